import ArgumentParser
import BerthCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct PasswdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Read a password on standard input and print its hash for berth.yml's basic_auth.",
        discussion: """
            The hash is SHA-512 crypt ($6$…), which nginx on Debian and on Alpine checks. Only the hash goes into \
            berth.yml and the image. On a terminal the password is not echoed; otherwise the first line of \
            standard input is the password (printf '%s\\n' "$PASSWORD" | berth passwd).
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let password = Self.readPassword()
            guard let password, !password.isEmpty else {
                throw UsageError("berth passwd read no password: give it on standard input, one line")
            }
            Console.writeOutput(SHA512Crypt.hash(password: password) + "\n")
        }
    }

    /// The first line of standard input, with echo turned off while a terminal is read.
    private static func readPassword() -> String? {
        guard isatty(STDIN_FILENO) == 1 else { return readLine(strippingNewline: true) }
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return readLine(strippingNewline: true) }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        Console.writeError("Password: ")
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            Console.writeError("\n")
        }
        return readLine(strippingNewline: true)
    }
}
