/// The edge's container, `berth-edge`: Caddy in the host's network (so it reaches the sites' loopback ports and
/// binds the host's 80/443), restarted unless stopped, hardened as far as Caddy allows:
///
/// - uid 0 in the container but with every capability dropped except `NET_BIND_SERVICE`, and
///   `no-new-privileges`. A non-root user cannot bind a port below 1024 in the host's network namespace with a
///   capability granted by the engine (no ambient capabilities), and file capabilities on the binary are refused
///   under `no-new-privileges`. Root without capabilities cannot read or write other users' files, load modules,
///   change network settings or trace processes; keeping `no-new-privileges` and a read-only root filesystem
///   outweighs the uid.
/// - read-only root filesystem; state on two named volumes (`/data`: certificates, Caddy's CA, uploaded
///   certificate files; `/config`: the configuration berth writes) and a small tmpfs for the admin socket.
/// - the admin API only on a unix socket inside the container: no TCP admin port on any host interface.
/// - a memory limit and a process limit.
public enum EdgeContainerSpec {
    public static let containerName = "berth-edge"
    public static let dataVolume = "berth-edge-data"
    public static let configVolume = "berth-edge-config"
    public static let memoryLimit: Int64 = 256 << 20
    public static let pidsLimit: Int64 = 256
    /// Marks the container as berth's edge (berth never touches a `berth-edge` it did not make).
    public static let roleLabel = "berth.edge"
    /// The settings it was made with, so that `edge up` recreates it when they changed.
    public static let settingsLabel = "berth.edge.settings"

    public static func make(image: String, settings: EdgeSettings) -> ContainerCreate {
        ContainerCreate(
            image: image,
            labels: [roleLabel: "caddy", settingsLabel: fingerprint(settings, image: image)],
            user: "0:0",
            environment: ["XDG_DATA_HOME=/data", "XDG_CONFIG_HOME=/config"],
            command: ["caddy", "run", "--config", CaddyConfig.path],
            hostConfig: HostConfig(
                memory: memoryLimit,
                memorySwap: memoryLimit,
                restartPolicy: .unlessStopped,
                readonlyRootfs: true,
                tmpfs: ["/run/caddy": "rw,noexec,nosuid,nodev,size=1m", "/tmp": "rw,noexec,nosuid,nodev,size=16m"],
                capDrop: ["ALL"],
                capAdd: ["NET_BIND_SERVICE"],
                securityOpt: ["no-new-privileges"],
                pidsLimit: pidsLimit,
                networkMode: "host",
                volumeMounts: [VolumeMount(volume: dataVolume, target: "/data"),
                               VolumeMount(volume: configVolume, target: "/config")]
            )
        )
    }

    /// What decides the container's shape: its image and ports (the rest is in the configuration file).
    static func fingerprint(_ settings: EdgeSettings, image: String) -> String {
        "\(image) \(settings.httpPort) \(settings.httpsPort)"
    }
}
