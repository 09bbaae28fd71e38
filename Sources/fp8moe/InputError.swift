import ArgumentParser
import Foundation

/// Bad input from the user or a file: printed as one clear line on stderr, exit status 2
/// (SPEC section 6). ArgumentParser's own usage errors keep their status.
struct InputError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning an `InputError` into a message on stderr and exit status 2.
    func exitingOnBadInput(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as InputError {
            printError("fp8moe: \(error.message)")
            throw ExitCode(2)
        }
    }
}

func printError(_ line: String) {
    writeStandardError(line + "\n")
}

func writeStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
