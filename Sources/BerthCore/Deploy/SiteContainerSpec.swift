/// The hardened container a site runs in: non-root, read-only root filesystem with a small tmpfs /tmp, no
/// capabilities, no privilege escalation, bounded processes, memory without swap, restarted unless stopped, on the
/// network where containers cannot reach one another (`SiteNetwork`).
public enum SiteContainerSpec {
    public static let pidsLimit: Int64 = 128
    public static let tmpfsOptions = "rw,noexec,nosuid,nodev,size=16m"

    /// - Parameter network: the ID of the host's `SiteNetwork`.
    public static func make(image: String, server: ServerKind, memory: MemoryLimit, host: DockerHost, hostPort: Int,
                            labels: [String: String], network: String) -> ContainerCreate {
        let containerPort = "\(server.containerPort)/tcp"
        return ContainerCreate(
            image: image,
            labels: labels,
            user: server.runAsUser,
            exposedPorts: [containerPort],
            hostConfig: HostConfig(
                portBindings: [containerPort: [PortBinding(hostIP: host.bindAddress, hostPort: "\(hostPort)")]],
                memory: memory.bytes,
                memorySwap: memory.bytes,
                restartPolicy: .unlessStopped,
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
