import FP8
import Synchronization

/// `IntegerCodes` tables, one per format, built once.
final class CodeTables: Sendable {
    static let shared = CodeTables()
    private let tables = Mutex<[String: IntegerCodes]>([:])

    func integerCodes(_ format: FP8Format) -> IntegerCodes {
        tables.withLock { t in
            if let found = t[format.name] { return found }
            let built = IntegerCodes(format: format)
            t[format.name] = built
            return built
        }
    }
}
