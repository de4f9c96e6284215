import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// TCP on 127.0.0.1 at the socket level: connections for test clients that must see exactly what goes over the
/// wire (or run on a thread of their own), and listeners that hold a port. The caller closes the descriptor.
/// Sockets are close-on-exec: an engine a test restarts meanwhile (`test-hosts kill`/`up`) would otherwise inherit
/// a held port and keep it after the test, failing the next run's test that holds the same port.
enum LoopbackSocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func connect(port: Int) throws(Failure) -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            close(socket)
            throw Failure(description: "connect: \(error)")
        }
        return socket
    }

    /// A socket listening on `port` (0: one the kernel picks) that never accepts; returns it and its port.
    static func listen(port: Int = 0) throws(Failure) -> (descriptor: Int32, port: Int) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = loopback(port: port)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(socket, $0, length) }
        }
        guard bound == 0, Glibc.listen(socket, 16) == 0 else {
            let error = errno
            close(socket)
            throw Failure(description: "bind/listen on 127.0.0.1:\(port): \(error)")
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard named == 0 else {
            close(socket)
            throw Failure(description: "getsockname: \(errno)")
        }
        return (socket, Int(UInt16(bigEndian: address.sin_port)))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
