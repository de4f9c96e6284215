import Foundation

/// A user name and password for a registry. Its description never shows the password.
public struct RegistryCredentials: Sendable, Equatable, CustomStringConvertible {
    public var username: String
    public var password: String
    /// Where they came from, for messages: "BERTH_REGISTRY_USER", "~/.docker/config.json", "credential helper x".
    public var source: String

    public init(username: String, password: String, source: String) {
        self.username = username
        self.password = password
        self.source = source
    }

    public var description: String { "\(username) (from \(source))" }
}

public enum RegistryCredentialsError: Error, Sendable, CustomStringConvertible {
    case unreadableConfig(path: String, reason: String)
    case helperFailed(helper: String, registry: String, reason: String)
    case incomplete(String)

    public var description: String {
        switch self {
        case .unreadableConfig(let path, let reason):
            "cannot read Docker's credentials file \(path): \(reason)"
        case .helperFailed(let helper, let registry, let reason):
            "the credential helper docker-credential-\(helper) gave no credentials for \(registry): \(reason)"
        case .incomplete(let message):
            message
        }
    }
}

/// Finds credentials for a registry as the docker CLI does, plus berth's environment variables, which win:
/// `BERTH_REGISTRY_USER` / `BERTH_REGISTRY_PASSWORD`, else `~/.docker/config.json` (`credHelpers`, `credsStore`,
/// then `auths`). `DOCKER_CONFIG` names another directory for config.json.
public struct CredentialStore: Sendable {
    public var environment: [String: String]
    /// How long a credential helper may take to answer (one that waits for a keychain to be unlocked would
    /// otherwise hold the publish forever).
    var helperTimeout: Duration = .seconds(30)

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    var configPath: String {
        let directory = environment["DOCKER_CONFIG"]
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.docker")
        return directory + "/config.json"
    }

    public func credentials(for registry: String) throws(RegistryCredentialsError) -> RegistryCredentials? {
        let user = environment["BERTH_REGISTRY_USER"]
        let password = environment["BERTH_REGISTRY_PASSWORD"]
        switch (user, password) {
        case (let user?, let password?):
            return RegistryCredentials(username: user, password: password, source: "BERTH_REGISTRY_USER")
        case (.some, nil):
            throw .incomplete("BERTH_REGISTRY_USER is set but BERTH_REGISTRY_PASSWORD is not; set both or neither")
        case (nil, .some):
            throw .incomplete("BERTH_REGISTRY_PASSWORD is set but BERTH_REGISTRY_USER is not; set both or neither")
        case (nil, nil):
            return try fromDockerConfig(registry)
        }
    }

    private struct DockerConfig: Decodable {
        struct Auth: Decodable {
            var auth: String?
            var username: String?
            var password: String?
        }
        var auths: [String: Auth]?
        var credsStore: String?
        var credHelpers: [String: String]?
    }

    private func fromDockerConfig(_ registry: String) throws(RegistryCredentialsError) -> RegistryCredentials? {
        guard FileManager.default.fileExists(atPath: configPath) else { return nil }
        let config: DockerConfig
        do {
            config = try JSONDecoder().decode(DockerConfig.self, from: Data(contentsOf: URL(fileURLWithPath: configPath)))
        } catch {
            throw .unreadableConfig(path: configPath, reason: "\(error)")
        }
        if let helper = config.credHelpers?[registry] ?? config.credsStore {
            if let found = try fromHelper(helper, registry: registry) { return found }
        }
        guard let auths = config.auths else { return nil }
        let keys = [registry, "https://" + registry, "http://" + registry, "https://\(registry)/v1/"]
        guard let entry = keys.lazy.compactMap({ auths[$0] }).first else { return nil }
        if let encoded = entry.auth, !encoded.isEmpty {
            guard let data = Data(base64Encoded: encoded), let decoded = String(data: data, encoding: .utf8),
                  let colon = decoded.firstIndex(of: ":")
            else {
                throw .unreadableConfig(path: configPath, reason: "the 'auth' entry for \(registry) is not base64 of user:password")
            }
            return RegistryCredentials(username: String(decoded[..<colon]),
                                       password: String(decoded[decoded.index(after: colon)...]), source: configPath)
        }
        if let username = entry.username, let password = entry.password {
            return RegistryCredentials(username: username, password: password, source: configPath)
        }
        return nil
    }

    private func fromHelper(_ helper: String, registry: String) throws(RegistryCredentialsError) -> RegistryCredentials? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["docker-credential-" + helper, "get"]
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        // Its messages are not read: a pipe nobody drains would stop a helper that writes much.
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            input.fileHandleForWriting.write(Data(registry.utf8))
            try input.fileHandleForWriting.close()
        } catch {
            throw .helperFailed(helper: helper, registry: registry, reason: "\(error)")
        }
        let deadline = HelperDeadline(process, after: helperTimeout)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if deadline.cancel() {
            throw .helperFailed(helper: helper, registry: registry,
                                reason: "it did not answer within \(helperTimeout.components.seconds) s and was stopped")
        }
        guard process.terminationStatus == 0 else {
            // Helpers answer "credentials not found" with a failure status: that means none, not an error.
            return nil
        }
        struct HelperAnswer: Decodable {
            var Username: String
            var Secret: String
        }
        guard let answer = try? JSONDecoder().decode(HelperAnswer.self, from: data) else {
            throw .helperFailed(helper: helper, registry: registry, reason: "its answer was not the expected JSON")
        }
        return RegistryCredentials(username: answer.Username, password: answer.Secret, source: "credential helper \(helper)")
    }
}

/// The `X-Registry-Auth` header value the Engine wants for push and pull: URL-safe base64 of a JSON object.
public enum RegistryAuthHeader {
    public static func value(for credentials: RegistryCredentials?, registry: String) -> String {
        guard let credentials else { return DockerEngine.anonymousRegistryAuth }
        struct Payload: Encodable {
            var username: String
            var password: String
            var serveraddress: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let json = try? encoder.encode(Payload(username: credentials.username, password: credentials.password,
                                                     serveraddress: registry))
        else { return DockerEngine.anonymousRegistryAuth }
        return json.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }
}

/// Stops a credential helper that has not finished by a deadline.
private final class HelperDeadline: @unchecked Sendable {
    private let timer: any DispatchSourceTimer
    private let lock = NSLock()
    private var fired = false

    init(_ process: Process, after timeout: Duration) {
        timer = DispatchSource.makeTimerSource(queue: .global())
        let (seconds, attoseconds) = timeout.components
        timer.schedule(deadline: .now() + Double(seconds) + Double(attoseconds) / 1e18)
        timer.setEventHandler { [self] in
            lock.withLock { fired = true }
            // Its standard output then ends, so the read that waits for it returns.
            if process.isRunning { process.terminate() }
        }
        timer.resume()
    }

    /// Stops the timer; whether it had already stopped the helper.
    func cancel() -> Bool {
        timer.cancel()
        return lock.withLock { fired }
    }
}
