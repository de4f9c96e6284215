import ArgumentParser
import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "An interactive session: type berth's commands without 'berth', 'help' for the list, 'exit' to leave.",
        discussion: "A failing command prints its error and the session goes on. Ctrl-C stops the running command "
            + "(such as logs -f or stats), not the session; Ctrl-D or 'exit' leaves."
    )

    func run() async throws {
        let interactive = isatty(STDIN_FILENO) == 1
        if interactive {
            Console.writeOutput("berth shell — 'help' lists the commands, 'exit' leaves.\n")
        }
        let interrupts = InterruptForwarder()
        while true {
            if interactive { Console.writeOutput("berth> ") }
            guard let line = readLine(strippingNewline: true) else {
                if interactive { Console.writeOutput("\n") }
                return
            }
            let words: [String]
            do {
                words = try ShellWords.split(line)
            } catch {
                Console.error("\(error)")
                continue
            }
            guard let first = words.first else { continue }
            switch first {
            case "exit", "quit":
                return
            case "help", "?":
                Console.writeOutput(Self.help(for: Array(words.dropFirst())))
                continue
            case "shell":
                Console.error("you are in the shell already")
                continue
            default:
                break
            }
            await interrupts.run { await Self.execute(words) }
        }
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
        text += "  help      this list; 'help COMMAND' for one command\n  exit      leave the shell\n"
        return text
    }

    /// Parses and runs one command line; every failure is reported and the session goes on.
    static func execute(_ words: [String]) async {
        do {
            var command = try Berth.parseAsRoot(words)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            if exit != .success { Console.status("(exit status \(exit.rawValue))") }
        } catch is CancellationError {
            Console.status("(stopped)")
        } catch {
            // ArgumentParser's own text: usage errors start with "Error:" and carry the usage line.
            let message = Berth.fullMessage(for: error)
            if Berth.exitCode(for: error) == .success {
                Console.writeOutput(message + "\n")
            } else {
                Console.writeError(message + "\n")
            }
        }
    }
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
