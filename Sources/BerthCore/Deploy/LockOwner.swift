import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Who holds a deploy lock, precisely enough to tell from another process whether that holder still exists: the
/// kernel's boot (`/proc/sys/kernel/random/boot_id`), the PID namespace (`/proc/self/ns/pid`), the process ID in
/// it and the process's start time (field 22 of `/proc/self/stat`, which tells a reused PID apart). Two CI jobs in
/// containers on one machine share the host name and the boot, but not the PID namespace, so neither ever judges
/// the other's lock by its own process table.
public struct LockOwner: Sendable, Equatable {
    public var bootID: String?
    public var pidNamespace: String?
    public var processID: Int32
    /// Clock ticks after boot.
    public var startTime: UInt64?
    /// The host name, for people.
    public var machine: String
    public var user: String

    public init(bootID: String?, pidNamespace: String?, processID: Int32, startTime: UInt64?, machine: String,
                user: String) {
        self.bootID = bootID
        self.pidNamespace = pidNamespace
        self.processID = processID
        self.startTime = startTime
        self.machine = machine
        self.user = user
    }

    /// This process.
    public static let current: LockOwner = {
        let pid = getpid()
        return LockOwner(
            bootID: ProcessTable.read("/proc/sys/kernel/random/boot_id"),
            pidNamespace: ProcessTable.link("/proc/self/ns/pid"),
            processID: pid, startTime: ProcessTable.startTime(statFile: ProcessTable.read("/proc/self/stat")),
            machine: machineName, user: ProcessInfo.processInfo.userName)
    }()

    /// Whether `other` was taken in this kernel boot and this PID namespace, so that its process ID means the same
    /// process here. Unknown parts never match.
    func sharesProcessTable(with other: LockOwner) -> Bool {
        guard let bootID, let pidNamespace else { return false }
        return bootID == other.bootID && pidNamespace == other.pidNamespace
    }

    public var description: String { "\(user)@\(machine) (pid \(processID))" }

    static let bootLabel = "berth.lock.boot"
    static let namespaceLabel = "berth.lock.pidns"
    static let processLabel = "berth.lock.pid"
    static let startLabel = "berth.lock.start"
    static let machineLabel = "berth.lock.machine"
    static let holderLabel = "berth.lock.holder"

    var labels: [String: String] {
        var labels = [Self.processLabel: "\(processID)", Self.machineLabel: machine, Self.holderLabel: description]
        labels[Self.bootLabel] = bootID
        labels[Self.namespaceLabel] = pidNamespace
        labels[Self.startLabel] = startTime.map(String.init)
        return labels
    }

    init(labels: [String: String]) {
        self.init(bootID: labels[Self.bootLabel], pidNamespace: labels[Self.namespaceLabel],
                  processID: labels[Self.processLabel].flatMap { Int32($0) } ?? 0,
                  startTime: labels[Self.startLabel].flatMap { UInt64($0) },
                  machine: labels[Self.machineLabel] ?? "", user: "")
    }

    static var machineName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Whether a process of this PID namespace still exists, and since when: the only local evidence a lock's holder
/// is gone. Tests substitute their own.
public protocol ProcessLookup: Sendable {
    func state(of processID: Int32) -> ProcessState
}

public enum ProcessState: Sendable, Equatable {
    case gone
    /// The start time is nil when it cannot be read.
    case running(startTime: UInt64?)
}

/// `/proc` of this machine.
public struct ProcessTable: ProcessLookup {
    public init() {}

    public func state(of processID: Int32) -> ProcessState {
        guard processID > 0 else { return .gone }
        guard let stat = Self.read("/proc/\(processID)/stat") else {
            // No /proc entry: gone, unless /proc is not there at all (then only kill(0) can tell).
            if Self.read("/proc/self/stat") == nil, kill(processID, 0) == 0 || errno != ESRCH {
                return .running(startTime: nil)
            }
            return .gone
        }
        return .running(startTime: Self.startTime(statFile: stat))
    }

    static func read(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    static func link(_ path: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: path)
    }

    /// Field 22 of a `/proc/PID/stat` line. The command name (field 2) is in parentheses and may hold spaces or
    /// parentheses itself, so fields are counted from the last `)`.
    static func startTime(statFile: String?) -> UInt64? {
        guard let statFile, let close = statFile.lastIndex(of: ")") else { return nil }
        let fields = statFile[statFile.index(after: close)...].split(separator: " ")
        // After the name: field 3 (state) is fields[0], so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
