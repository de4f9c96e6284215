/// Runs `work` to its end even when the calling task is cancelled (Ctrl-C, SIGTERM): the clean-up after a
/// cancelled publish (restoring the previous version, releasing the deploy lock, removing the image it built) must
/// not be cut off by the same cancellation, or it would leave the site down or locked. An unstructured task does
/// not inherit the caller's cancellation.
func uncancelled<Value: Sendable>(_ work: @escaping @Sendable () async -> Value) async -> Value {
    await Task { await work() }.value
}
