extension DockerEngine {
    /// Asks the daemon to log in to `registry` with `credentials` (`POST /auth`), so that wrong credentials are
    /// found before anything is built. Throws `RegistryLoginError` naming the registry when they are refused.
    public func checkRegistryLogin(registry: String, credentials: RegistryCredentials) async throws {
        struct Login: Encodable {
            var username: String
            var password: String
            var serveraddress: String
        }
        struct Answer: Decodable {
            var Status: String?
        }
        let operation = "log in to the registry \(registry)"
        var request = EngineRequest(method: .POST, path: "/auth")
        try request.setJSONBody(
            Login(username: credentials.username, password: credentials.password, serveraddress: registry))
        do {
            _ = try await sendForJSON(request, as: Answer.self, operation: operation)
        } catch let error as EngineError {
            switch error {
            case .api(_, let status, let message) where status == 401 || status == 500 || status == 400:
                throw RegistryLoginError(registry: registry, credentials: credentials, message: message)
            default:
                throw error
            }
        }
    }
}

/// The registry refused the credentials. Names the registry, the user and where the credentials came from;
/// never the password.
public struct RegistryLoginError: Error, Sendable, CustomStringConvertible {
    public var registry: String
    public var credentials: RegistryCredentials
    public var message: String

    public var description: String {
        "the registry \(registry) refused the credentials of \(credentials): \(message). Check the user name and "
            + "password (BERTH_REGISTRY_USER / BERTH_REGISTRY_PASSWORD or ~/.docker/config.json); nothing was built "
            + "or changed"
    }
}
