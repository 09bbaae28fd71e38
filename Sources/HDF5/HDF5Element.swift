internal import CHDF5

/// The element types a dataset (or a numeric attribute) can hold, as stored in the file.
///
/// Each kind is one HDF5 class (integer or IEEE float), one size and one signedness; a read
/// asks for exactly one kind and gets an error for any other, never a silent conversion.
/// Byte order is not part of the kind: HDF5 converts big-endian data to the host order.
public enum HDF5ElementKind: String, Sendable, CaseIterable {
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case float32, float64

    /// Size of one element in bytes.
    public var size: Int {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    var isFloat: Bool { self == .float32 || self == .float64 }
    var isSigned: Bool { [.int8, .int16, .int32, .int64].contains(self) }

    /// The type of values in memory (host byte order).
    var memoryType: hid_t {
        switch self {
        case .int8: chdf5_t_native_int8()
        case .int16: chdf5_t_native_int16()
        case .int32: chdf5_t_native_int32()
        case .int64: chdf5_t_native_int64()
        case .uint8: chdf5_t_native_uint8()
        case .uint16: chdf5_t_native_uint16()
        case .uint32: chdf5_t_native_uint32()
        case .uint64: chdf5_t_native_uint64()
        case .float32: chdf5_t_native_float()
        case .float64: chdf5_t_native_double()
        }
    }

    /// The type written to files: little-endian, as numpy writes it.
    var fileType: hid_t {
        switch self {
        case .int8: chdf5_t_std_i8le()
        case .int16: chdf5_t_std_i16le()
        case .int32: chdf5_t_std_i32le()
        case .int64: chdf5_t_std_i64le()
        case .uint8: chdf5_t_std_u8le()
        case .uint16: chdf5_t_std_u16le()
        case .uint32: chdf5_t_std_u32le()
        case .uint64: chdf5_t_std_u64le()
        case .float32: chdf5_t_ieee_f32le()
        case .float64: chdf5_t_ieee_f64le()
        }
    }
}

/// A Swift type that maps one-to-one onto an `HDF5ElementKind`.
///
/// `Float16` is deliberately absent: bf16 and fp16 tensors are stored as `UInt16` bit patterns
/// with a `dtype` attribute (SPEC section 5).
public protocol HDF5Element: Sendable, Equatable {
    /// The stored kind this Swift type reads and writes.
    static var hdf5Kind: HDF5ElementKind { get }
}

extension Int8: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .int8 } }
extension Int16: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .int16 } }
extension Int32: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .int32 } }
extension Int64: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .int64 } }
extension UInt8: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .uint8 } }
extension UInt16: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .uint16 } }
extension UInt32: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .uint32 } }
extension UInt64: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .uint64 } }
extension Float: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .float32 } }
extension Double: HDF5Element { public static var hdf5Kind: HDF5ElementKind { .float64 } }
