/// The hardened container a site runs in: non-root, read-only root filesystem with a small tmpfs /tmp, no
/// capabilities, no privilege escalation, bounded processes, memory without swap, restarted unless stopped, on the
/// network where containers cannot reach one another (`SiteNetwork`).
public enum SiteContainerSpec {
    public static let pidsLimit: Int64 = 128
    public static let tmpfsOptions = "rw,noexec,nosuid,nodev,size=16m"

    /// - Parameters:
    ///   - hostPort: nil lets the engine pick a free one.
    ///   - network: the ID of the host's `SiteNetwork`.
    ///   - restartPolicy: `.no` for a staging container, which must never come back by itself.
    ///   - bindAddress: where the port is published; the host's `bindAddress` when nil.
    public static func make(image: String, server: ServerKind, memory: MemoryLimit, host: DockerHost, hostPort: Int?,
                            labels: [String: String], network: String,
                            restartPolicy: RestartPolicy = .unlessStopped, bindAddress: String? = nil)
        -> ContainerCreate
    {
        let containerPort = "\(server.containerPort)/tcp"
        return ContainerCreate(
            image: image,
            labels: labels,
            user: server.runAsUser,
            exposedPorts: [containerPort],
            hostConfig: HostConfig(
                portBindings: [
                    containerPort: [PortBinding(hostIP: bindAddress ?? host.bindAddress, hostPort: hostPort.map(String.init) ?? "")],
                ],
                memory: memory.bytes,
                memorySwap: memory.bytes,
                restartPolicy: restartPolicy,
                readonlyRootfs: true,
                tmpfs: ["/tmp": tmpfsOptions],
                capDrop: ["ALL"],
                securityOpt: ["no-new-privileges"],
                pidsLimit: pidsLimit,
                networkMode: network
            )
        )
    }
}
