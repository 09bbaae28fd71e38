internal import CHDF5

/// Reading HDF5 datatypes: which `HDF5ElementKind` a stored type is, and a name for any type.
enum HDF5Datatype {
    /// The element kind `type` stores exactly, or nil if it is none of them (a string, a
    /// compound, a float16, an integer with padding bits...).
    static func elementKind(of type: hid_t) -> HDF5ElementKind? {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_INTEGER:
            guard H5Tget_precision(type) == 8 * size else { return nil }
            let signed = H5Tget_sign(type) == H5T_SGN_2
            return HDF5ElementKind.allCases.first {
                !$0.isFloat && $0.size == size && $0.isSigned == signed
            }
        case H5T_FLOAT:
            // IEEE binary32 / binary64: sign bit on top, 8 / 11 exponent bits, 23 / 52 mantissa bits.
            var signPosition = 0, exponentPosition = 0, exponentSize = 0
            var mantissaPosition = 0, mantissaSize = 0
            guard H5Tget_fields(type, &signPosition, &exponentPosition, &exponentSize,
                                &mantissaPosition, &mantissaSize) >= 0 else { return nil }
            switch (size, exponentSize, mantissaSize) {
            case (4, 8, 23): return .float32
            case (8, 11, 52): return .float64
            default: return nil
            }
        default:
            return nil
        }
    }

    /// A short name in numpy's words: `uint16`, `float16`, `string`, `enum`, `compound`...
    static func name(of type: hid_t) -> String {
        if let kind = elementKind(of: type) { return kind.rawValue }
        let bits = 8 * H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_2 ? "int" : "uint") + "\(bits)"
        case H5T_FLOAT: return "float\(bits)"
        case H5T_STRING: return H5Tis_variable_str(type) > 0 ? "string" : "string (fixed, \(bits / 8) bytes)"
        case H5T_ENUM: return "enum"
        case H5T_COMPOUND: return "compound"
        case H5T_ARRAY: return "array"
        case H5T_VLEN: return "vlen"
        case H5T_BITFIELD: return "bitfield"
        case H5T_OPAQUE: return "opaque"
        case H5T_REFERENCE: return "reference"
        case H5T_TIME: return "time"
        default: return "unknown type"
        }
    }

    /// The shape of a dataspace: `[]` for a scalar, nil for a null (empty) dataspace or failure.
    static func shape(of space: hid_t) -> [Int]? {
        guard H5Sget_simple_extent_type(space) != H5S_NULL else { return nil }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { return nil }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, nil) == rank else { return nil }
        var shape: [Int] = []
        for dim in dims {
            guard let extent = Int(exactly: dim) else { return nil }
            shape.append(extent)
        }
        return shape
    }
}
