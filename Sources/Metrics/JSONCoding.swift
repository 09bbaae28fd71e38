import Foundation

/// The one JSON spelling of the project's summaries (verify, compare, report): keys sorted and
/// pretty-printed, so that runs compare byte for byte, and non-finite numbers as the strings
/// `"inf"`, `"-inf"` and `"nan"` (JSON has no such numbers; a NaN GEMM bound or an exact SQNR
/// must not make the summary unwritable).
public enum JSONCoding {
    public static func encoder(snakeCase: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func decoder(snakeCase: Bool) -> JSONDecoder {
        let decoder = JSONDecoder()
        if snakeCase { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
