import FP8
import Synchronization

/// Built `FP8Converter` tables, one per (format, policy): building one runs the generic core
/// over 2^18 inputs, so recipes share them.
final class ConverterCache: Sendable {
    static let shared = ConverterCache()
    private let table = Mutex<[String: FP8Converter]>([:])

    func converter(format: FP8Format, policy: ConversionPolicy) -> FP8Converter {
        let key = format.name + "/" + policy.name
        if let c = table.withLock({ $0[key] }) { return c }
        let built = FP8Converter(format: format, policy: policy)
        table.withLock { $0[key] = built }
        return built
    }
}
