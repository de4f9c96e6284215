/// What `berth render --json` prints: the server and the files rendered for the build context's root.
public struct RenderedFilesRecord: Sendable, Codable, Equatable {
    public struct File: Sendable, Codable, Equatable {
        public var name: String
        public var contents: String
    }

    public var server: String
    public var files: [File]

    public init(server: ServerKind, files: [ContextFile]) {
        self.server = server.rawValue
        self.files = files.map { File(name: $0.name, contents: $0.contents) }
    }
}
