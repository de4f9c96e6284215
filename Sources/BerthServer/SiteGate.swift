/// One operation at a time per site through this server: a second publish of a site waits here (at most its
/// lock wait) and is then refused with 423, before its upload is read. The engine's deploy lock still guards
/// against publishes that do not come through this server.
actor SiteGate {
    private var busy: Set<String> = []

    func acquire(_ key: String, wait: Duration) async -> Bool {
        let deadline = ContinuousClock.now + wait
        while busy.contains(key) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(200))
        }
        busy.insert(key)
        return true
    }

    func release(_ key: String) {
        busy.remove(key)
    }
}
