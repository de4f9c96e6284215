import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libedit's readline-compatible functions, loaded when berth runs rather than linked: berth is one file that must
/// start on a machine without libedit (a bare Debian container has none), where the shell reads plain lines instead.
/// `@unchecked Sendable`: its function pointers are immutable, and `rl_catch_signals` is only written before the first
/// line is read.
struct EditLineLibrary: @unchecked Sendable {
    typealias LineHandler = @convention(c) (UnsafeMutablePointer<CChar>?) -> Void

    let usingHistory: @convention(c) () -> Void
    let addHistory: @convention(c) (UnsafePointer<CChar>?) -> Int32
    let callbackHandlerInstall: @convention(c) (UnsafePointer<CChar>?, LineHandler?) -> Void
    let callbackHandlerRemove: @convention(c) () -> Void
    let callbackReadChar: @convention(c) () -> Void
    /// libedit's `int rl_catch_signals`: berth handles SIGINT itself (see LineEditor), libedit must not.
    private let catchSignals: UnsafeMutablePointer<Int32>

    /// The library's file names, most specific first (Linux's soname, then macOS's).
    static let fileNames = ["libedit.so.2", "libedit.so", "libedit.3.dylib", "libedit.dylib"]

    /// libedit when this machine has it (with every function the shell uses), else nil. Loaded once.
    static let shared: EditLineLibrary? = load()

    private static func load() -> EditLineLibrary? {
        guard let handle = fileNames.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else { return nil }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            dlsym(handle, name).map { unsafeBitCast($0, to: type) }
        }
        guard let usingHistory = symbol("using_history", as: (@convention(c) () -> Void).self),
              let addHistory = symbol("add_history", as: (@convention(c) (UnsafePointer<CChar>?) -> Int32).self),
              let install = symbol("rl_callback_handler_install",
                                   as: (@convention(c) (UnsafePointer<CChar>?, LineHandler?) -> Void).self),
              let remove = symbol("rl_callback_handler_remove", as: (@convention(c) () -> Void).self),
              let readChar = symbol("rl_callback_read_char", as: (@convention(c) () -> Void).self),
              let catchSignals = dlsym(handle, "rl_catch_signals")
        else {
            dlclose(handle)
            return nil
        }
        return EditLineLibrary(usingHistory: usingHistory, addHistory: addHistory, callbackHandlerInstall: install,
                               callbackHandlerRemove: remove, callbackReadChar: readChar,
                               catchSignals: catchSignals.assumingMemoryBound(to: Int32.self))
    }

    func leaveSignalsAlone() {
        catchSignals.pointee = 0
    }
}
