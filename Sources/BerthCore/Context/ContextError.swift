public enum ContextError: Error, Sendable, CustomStringConvertible {
    case site(SiteError)
    case archive(String)
    case output(path: String, reason: String)

    public var description: String {
        switch self {
        case .site(let error): error.description
        case .archive(let message): "cannot write the build context: \(message)"
        case .output(let path, let reason): "cannot write the build context to '\(path)': \(reason)"
        }
    }
}
