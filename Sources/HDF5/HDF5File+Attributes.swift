internal import CHDF5

/// Attributes of a group or dataset. Every reader wants exactly one value (a scalar attribute,
/// or an array attribute of one element); every writer stores a scalar and replaces an existing
/// attribute of the same name.
extension HDF5File {
    /// The names of the attributes of the group or dataset at `path`, in byte order.
    ///
    /// Errors: `.missingObject`, `.library`.
    public func attributeNames(at path: String = "/") throws(FixtureError) -> [String] {
        let absolute = Self.absolute(path)
        return try HDF5Library.locked { () throws(FixtureError) in
          try ReadProgress.step(self.path, absolute, "listing the attributes") { () throws(FixtureError) in
            let object = try openObject(absolute)
            final class Names { var list: [String] = [] }
            let names = Names()
            var position: hsize_t = 0
            let status = withExtendedLifetime(names) {
                H5Aiterate2(object.id, H5_INDEX_NAME, H5_ITER_INC, &position, { _, name, _, context in
                    guard let name, let context else { return -1 }
                    Unmanaged<Names>.fromOpaque(context).takeUnretainedValue()
                        .list.append(String(cString: name))
                    return 0
                }, Unmanaged.passUnretained(names).toOpaque())
            }
            guard status >= 0 else { throw libraryFailure(absolute, "listing attributes") }
            return names.list
          }
        }
    }

    /// Whether the group or dataset at `path` has an attribute `name`. Errors: `.missingObject`.
    public func hasAttribute(_ name: String, at path: String = "/") throws(FixtureError) -> Bool {
        let absolute = Self.absolute(path)
        return try HDF5Library.locked { () throws(FixtureError) in
          try ReadProgress.step(self.path, absolute, "looking up attribute '\(name)'") { () throws(FixtureError) in
            let object = try openObject(absolute)
            let found = H5Aexists(object.id, name)
            guard found >= 0 else { throw libraryFailure(absolute, "looking up attribute '\(name)'") }
            return found > 0
          }
        }
    }

    /// A string attribute: variable-length (h5py's default for `str`) or fixed-length (numpy
    /// `bytes_`), ASCII or UTF-8. Fixed-length strings end at their first NUL; space-padded
    /// ones lose their trailing spaces. Invalid UTF-8 is repaired with U+FFFD.
    ///
    /// Errors: `.missingObject`, `.missingAttribute`, `.wrongType` (not a string), `.notAScalar`.
    public func stringAttribute(_ name: String, at path: String = "/") throws(FixtureError) -> String {
        try withAttribute(name, at: path) { (attribute, type, absolute) throws(FixtureError) in
            guard H5Tget_class(type) == H5T_STRING else {
                throw failure(absolute, .wrongType(expected: "string (attribute '\(name)')",
                                                   found: HDF5Datatype.name(of: type)))
            }
            if H5Tis_variable_str(type) > 0 {
                return try readVariableString(attribute, type, at: absolute)
            }
            var bytes = [UInt8](repeating: 0, count: H5Tget_size(type))
            let memoryType = Handle(H5Tcopy(type), close: H5Tclose)
            guard memoryType.id >= 0, H5Aread(attribute, memoryType.id, &bytes) >= 0 else {
                throw libraryFailure(absolute, "reading attribute '\(name)'")
            }
            if let end = bytes.firstIndex(of: 0) { bytes.removeSubrange(end...) }
            if H5Tget_strpad(type) == H5T_STR_SPACEPAD {
                while bytes.last == UInt8(ascii: " ") { bytes.removeLast() }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// An integer attribute of any size and signedness, or a numpy bool (stored as an enum
    /// over int8: false 0, true 1).
    ///
    /// Errors: `.missingObject`, `.missingAttribute`, `.wrongType` (a float, a string...),
    /// `.notAScalar`, `.outOfRange` (a uint64 above `Int.max`).
    public func integerAttribute(_ name: String, at path: String = "/") throws(FixtureError) -> Int {
        try withAttribute(name, at: path) { (attribute, type, absolute) throws(FixtureError) in
            guard let value = try readInteger(attribute, type, named: name, at: absolute) else {
                throw failure(absolute, .wrongType(expected: "integer (attribute '\(name)')",
                                                   found: HDF5Datatype.name(of: type)))
            }
            return value
        }
    }

    /// A floating-point attribute of any size (float16, float32, float64), or an integer
    /// attribute whose value a `Double` holds exactly.
    ///
    /// Errors: `.missingObject`, `.missingAttribute`, `.wrongType`, `.notAScalar`, `.outOfRange`.
    public func floatAttribute(_ name: String, at path: String = "/") throws(FixtureError) -> Double {
        try withAttribute(name, at: path) { (attribute, type, absolute) throws(FixtureError) in
            if H5Tget_class(type) == H5T_FLOAT {
                var value = 0.0
                guard H5Aread(attribute, chdf5_t_native_double(), &value) >= 0 else {
                    throw libraryFailure(absolute, "reading attribute '\(name)'")
                }
                return value
            }
            guard let integer = try readInteger(attribute, type, named: name, at: absolute) else {
                throw failure(absolute, .wrongType(expected: "float (attribute '\(name)')",
                                                   found: HDF5Datatype.name(of: type)))
            }
            guard let value = Double(exactly: integer) else {
                throw failure(absolute, .outOfRange("attribute '\(name)' = \(integer) as a Double"))
            }
            return value
        }
    }

    /// Writes a string attribute as a variable-length UTF-8 string, which h5py reads as `str`.
    ///
    /// Errors: `.notWritable`, `.missingObject`, `.invalidArgument` (a NUL in the value or an
    /// empty name), `.library`.
    public func setAttribute(_ name: String, _ value: String, at path: String = "/") throws(FixtureError) {
        try HDF5Library.locked { () throws(FixtureError) in
            let absolute = Self.absolute(path)
            guard !value.utf8.contains(0) else {
                throw failure(absolute, .invalidArgument("attribute '\(name)' value contains NUL"))
            }
            let type = Handle(H5Tcopy(chdf5_t_c_s1()), close: H5Tclose)
            guard type.id >= 0,
                  H5Tset_size(type.id, chdf5_t_variable()) >= 0,
                  H5Tset_cset(type.id, H5T_CSET_UTF8) >= 0
            else { throw libraryFailure(absolute, "making a string type") }
            try writeAttribute(name, fileType: type.id, memoryType: type.id, at: absolute) { buffer in
                value.withCString { string in
                    var pointer: UnsafePointer<CChar>? = string
                    return buffer(&pointer)
                }
            }
        }
    }

    /// Writes an integer attribute as int64 (what h5py stores for a Python `int`; SPEC flags are
    /// 0 or 1).
    public func setAttribute(_ name: String, _ value: Int, at path: String = "/") throws(FixtureError) {
        try setAttribute(name, Int64(value), at: path)
    }

    /// Writes a numeric attribute with exactly `T`'s element kind (`Float` as float32, ...).
    ///
    /// Errors: `.notWritable`, `.missingObject`, `.invalidArgument` (empty name), `.library`.
    public func setAttribute<T: HDF5Element>(_ name: String, _ value: T, at path: String = "/")
        throws(FixtureError)
    {
        try HDF5Library.locked { () throws(FixtureError) in
            let kind = T.hdf5Kind
            try writeAttribute(name, fileType: kind.fileType, memoryType: kind.memoryType,
                               at: Self.absolute(path)) { buffer in
                withUnsafeBytes(of: value) { raw in raw.baseAddress.map(buffer) ?? -1 }
            }
        }
    }

    // MARK: - Internals

    /// Opens attribute `name` of the object at `path` and hands `body` the attribute, its
    /// stored type and the absolute path, after checking that it holds exactly one value.
    private func withAttribute<R>(
        _ name: String, at path: String,
        _ body: (hid_t, hid_t, String) throws(FixtureError) -> R
    ) throws(FixtureError) -> R {
        let absolute = Self.absolute(path)
        return try HDF5Library.locked { () throws(FixtureError) in
          try ReadProgress.step(self.path, absolute, "reading attribute '\(name)'") { () throws(FixtureError) in
            let object = try openObject(absolute)
            let found = H5Aexists(object.id, name)
            guard found >= 0 else { throw libraryFailure(absolute, "looking up attribute '\(name)'") }
            guard found > 0 else { throw failure(absolute, .missingAttribute(name)) }
            let attribute = Handle(H5Aopen(object.id, name, chdf5_p_default()), close: H5Aclose)
            guard attribute.id >= 0 else { throw libraryFailure(absolute, "opening attribute '\(name)'") }
            let type = Handle(H5Aget_type(attribute.id), close: H5Tclose)
            let space = Handle(H5Aget_space(attribute.id), close: H5Sclose)
            guard type.id >= 0, space.id >= 0 else {
                throw libraryFailure(absolute, "reading attribute '\(name)'")
            }
            let shape = HDF5Datatype.shape(of: space.id) ?? [0]
            guard shape.allSatisfy({ $0 == 1 }) else {
                throw failure(absolute, .notAScalar(attribute: name, shape: shape))
            }
            return try body(attribute.id, type.id, absolute)
          }
        }
    }

    /// Reads a variable-length string attribute and frees the library's copy.
    private func readVariableString(_ attribute: hid_t, _ type: hid_t, at path: String)
        throws(FixtureError) -> String
    {
        // HDF5 will not convert between ASCII and UTF-8 strings: read in the stored encoding.
        let memoryType = Handle(H5Tcopy(chdf5_t_c_s1()), close: H5Tclose)
        var pointer: UnsafeMutablePointer<CChar>? = nil
        guard memoryType.id >= 0,
              H5Tset_size(memoryType.id, chdf5_t_variable()) >= 0,
              H5Tset_cset(memoryType.id, H5Tget_cset(type)) >= 0,
              H5Aread(attribute, memoryType.id, &pointer) >= 0
        else { throw libraryFailure(path, "reading a string attribute") }
        defer { _ = H5free_memory(pointer) }
        guard let pointer else { return "" }
        return String(cString: pointer)  // repairs invalid UTF-8
    }

    /// Reads an integer or integer-based enum attribute; nil if the type is neither.
    private func readInteger(_ attribute: hid_t, _ type: hid_t, named name: String,
                             at path: String) throws(FixtureError) -> Int? {
        let typeClass = H5Tget_class(type)
        guard typeClass == H5T_INTEGER || typeClass == H5T_ENUM else { return nil }
        // Read in host byte order with the stored size; an enum stays an enum (HDF5 does not
        // convert enums to integers) and is decoded through its integer base type.
        let memoryType = Handle(H5Tget_native_type(type, H5T_DIR_DEFAULT), close: H5Tclose)
        guard memoryType.id >= 0 else { throw libraryFailure(path, "reading attribute '\(name)'") }
        let base = Handle(typeClass == H5T_ENUM ? H5Tget_super(memoryType.id) : H5Tcopy(memoryType.id),
                          close: H5Tclose)
        guard base.id >= 0, H5Tget_class(base.id) == H5T_INTEGER else { return nil }
        let size = H5Tget_size(memoryType.id)
        guard [1, 2, 4, 8].contains(size) else { return nil }
        var bytes = [UInt8](repeating: 0, count: size)
        guard H5Aread(attribute, memoryType.id, &bytes) >= 0 else {
            throw libraryFailure(path, "reading attribute '\(name)'")
        }
        let signed = H5Tget_sign(base.id) == H5T_SGN_2
        let value: Int? = bytes.withUnsafeBytes { raw in
            switch (size, signed) {
            case (1, true): Int(raw.loadUnaligned(as: Int8.self))
            case (2, true): Int(raw.loadUnaligned(as: Int16.self))
            case (4, true): Int(raw.loadUnaligned(as: Int32.self))
            case (8, true): Int(exactly: raw.loadUnaligned(as: Int64.self))
            case (1, false): Int(raw.loadUnaligned(as: UInt8.self))
            case (2, false): Int(raw.loadUnaligned(as: UInt16.self))
            case (4, false): Int(raw.loadUnaligned(as: UInt32.self))
            default: Int(exactly: raw.loadUnaligned(as: UInt64.self))
            }
        }
        guard let value else {
            throw failure(path, .outOfRange("attribute '\(name)' does not fit an Int"))
        }
        return value
    }

    /// Creates (or replaces) scalar attribute `name` on the object at `path`; `fill` hands the
    /// value's address to the write.
    private func writeAttribute(
        _ name: String, fileType: hid_t, memoryType: hid_t, at path: String,
        _ fill: ((UnsafeRawPointer) -> herr_t) -> herr_t
    ) throws(FixtureError) {
        _ = try writableID(path)
        guard !name.isEmpty else { throw failure(path, .invalidArgument("empty attribute name")) }
        let object = try openObject(path)
        if H5Aexists(object.id, name) > 0, H5Adelete(object.id, name) < 0 {
            throw libraryFailure(path, "replacing attribute '\(name)'")
        }
        let space = Handle(H5Screate(H5S_SCALAR), close: H5Sclose)
        let acpl = Handle(H5Pcreate(chdf5_p_attribute_create()), close: H5Pclose)
        guard space.id >= 0, acpl.id >= 0, H5Pset_char_encoding(acpl.id, H5T_CSET_UTF8) >= 0 else {
            throw libraryFailure(path, "writing attribute '\(name)'")
        }
        let attribute = Handle(H5Acreate2(object.id, name, fileType, space.id, acpl.id,
                                          chdf5_p_default()), close: H5Aclose)
        guard attribute.id >= 0 else { throw libraryFailure(path, "creating attribute '\(name)'") }
        guard fill({ H5Awrite(attribute.id, memoryType, $0) }) >= 0 else {
            throw libraryFailure(path, "writing attribute '\(name)'")
        }
    }
}
