import ArgumentParser
import BerthCore
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "An interactive session: type berth's commands without 'berth', 'help' for the list, 'exit' to leave.",
        discussion: """
            A failing command prints its error and the session goes on. On a terminal, lines can be edited and \
            earlier ones recalled with the Up arrow; Ctrl-C stops the running command (such as logs -f or stats), \
            not the session, and at the prompt clears the line; Ctrl-D or 'exit' leaves. Commands can also be \
            piped in: the shell then exits with the status 'exit N' gives, else that of the last command that \
            failed (0 when none did).
            """
    )

    func run() async throws {
        let editor = LineEditor(prompt: "berth> ")
        if editor.isTerminal {
            Console.writeOutput("berth shell — 'help' lists the commands, 'exit' leaves.\n")
        }
        // At the prompt Ctrl-C clears the line; a script that is piped in is ended by it, as by any other shell.
        let clearLine: (@Sendable () -> Void)? = editor.isTerminal ? { @Sendable in editor.interrupt() } : nil
        let interrupts = InterruptForwarder(idle: clearLine)
        var lastFailure: Int32 = 0
        while true {
            guard let line = await editor.readLine() else {
                if editor.isTerminal { Console.writeOutput("\n") }
                throw ExitCode(lastFailure)
            }
            let words: [String]
            do {
                words = try ShellWords.split(line)
            } catch {
                Console.error("\(error)")
                lastFailure = ExitStatus.usage.rawValue
                continue
            }
            guard let first = words.first else { continue }
            switch first {
            case "exit", "quit":
                guard let status = Self.exitStatus(words.dropFirst(), otherwise: lastFailure) else {
                    Console.error("exit takes at most one status, a number from 0 to 255")
                    lastFailure = ExitStatus.usage.rawValue
                    continue
                }
                throw ExitCode(status)
            case "help", "?":
                Console.writeOutput(Self.help(for: Array(words.dropFirst())))
                continue
            case "shell":
                Console.error("you are in the shell already")
                lastFailure = ExitStatus.usage.rawValue
                continue
            default:
                break
            }
            let status = StatusBox()
            await interrupts.run {
                let exitStatus = await Self.execute(words)
                status.value.store(exitStatus, ordering: .relaxed)
            }
            let value = status.value.load(ordering: .relaxed)
            if value != 0 { lastFailure = value }
        }
    }

    /// `exit`'s status: the number given, else `otherwise`; nil when what is given is not a status.
    static func exitStatus(_ arguments: ArraySlice<String>, otherwise: Int32) -> Int32? {
        guard let text = arguments.first else { return otherwise }
        guard arguments.count == 1, let status = Int32(text), (0...255).contains(status) else { return nil }
        return status
    }

    static func help(for words: [String]) -> String {
        if let name = words.first,
           let command = Berth.configuration.subcommands.first(where: { $0.configuration.commandName == name }) {
            return command.helpMessage(columns: 100) + "\n"
        }
        var text = "Commands (each takes --help):\n"
        for command in Berth.configuration.subcommands where command.configuration.commandName != "shell" {
            let name = command.configuration.commandName ?? ""
            text += "  " + name.padding(toLength: 10, withPad: " ", startingAt: 0) + command.configuration.abstract + "\n"
        }
        text += "  help      this list; 'help COMMAND' for one command\n  exit [N]  leave the shell (with status N)\n"
        return text
    }

    /// Parses and runs one command line; every failure is reported and the session goes on. Returns the status
    /// the command would have exited with.
    static func execute(_ words: [String]) async -> Int32 {
        do {
            var command = try Berth.parseAsRoot(words)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let exit as ExitCode {
            if exit != .success { Console.status("(exit status \(exit.rawValue))") }
            return exit.rawValue
        } catch is CancellationError {
            Console.status("(stopped)")
            return 130
        } catch {
            // ArgumentParser's own text: usage errors start with "Error:" and carry the usage line.
            let message = Berth.fullMessage(for: error)
            let status = Berth.exitCode(for: error)
            if status == .success {
                Console.writeOutput(message + "\n")
            } else {
                Console.writeError(message + "\n")
            }
            return status.rawValue
        }
    }
}

private final class StatusBox: Sendable {
    let value = Atomic<Int32>(0)
}

/// Splits a command line into words as a POSIX shell would for plain words, '…', "…" and backslashes.
enum ShellWords {
    struct UnclosedQuote: Error, CustomStringConvertible {
        var quote: Character
        var description: String { "unclosed \(quote) quote; close it or escape it with a backslash" }
    }

    static func split(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                inWord = true
            } else if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\" && open == "\"" {
                    escaped = true
                } else {
                    current.append(character)
                }
            } else if character == "\\" {
                escaped = true
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            } else {
                current.append(character)
                inWord = true
            }
        }
        if let quote { throw UnclosedQuote(quote: quote) }
        if inWord || escaped { words.append(current) }
        return words
    }
}
