internal import CHDF5

/// What a path inside a file names.
public enum HDF5ObjectKind: String, Sendable {
    case group, dataset
    /// A named datatype or anything else this module does not read.
    case other
}

extension HDF5File {
    /// The kind of object at `path`, or nil if nothing is there (a missing parent, a parent that
    /// is not a group, or a dangling link all count as nothing).
    ///
    /// Errors: `.closed` only.
    public func objectKind(at path: String) throws(FixtureError) -> HDF5ObjectKind? {
        try HDF5Library.locked { () throws(FixtureError) in
            let absolute = Self.absolute(path)
            return lookUp(absolute, in: try openID(absolute))
        }
    }

    /// Whether a group or dataset exists at `path`. Errors: `.closed` only.
    public func exists(_ path: String) throws(FixtureError) -> Bool {
        try objectKind(at: path) != nil
    }

    /// The names (not paths) of the links in the group at `path`, in byte order.
    ///
    /// Errors: `.missingGroup`, `.wrongObjectKind` if `path` is a dataset, `.library`.
    public func members(of path: String = "/") throws(FixtureError) -> [String] {
        try HDF5Library.locked { () throws(FixtureError) in
            let absolute = Self.absolute(path)
            let group = try openObject(absolute, expecting: .group)
            var info = H5G_info_t()
            guard H5Gget_info(group.id, &info) >= 0 else {
                throw libraryFailure(absolute, "listing the group")
            }
            var names: [String] = []
            for index in 0..<info.nlinks {
                let name = try readName(of: absolute) { buffer, size in
                    H5Lget_name_by_idx(group.id, ".", H5_INDEX_NAME, H5_ITER_INC, index,
                                       buffer, size, chdf5_p_default())
                }
                names.append(name)
            }
            return names
        }
    }

    /// Creates the group at `path` and any missing parent groups; does nothing if the group
    /// exists already.
    ///
    /// Errors: `.notWritable`, `.alreadyExists("dataset")` if a dataset is at `path`,
    /// `.wrongObjectKind` (reported at that parent) if a parent is a dataset, `.library`.
    public func createGroup(_ path: String) throws(FixtureError) {
        try HDF5Library.locked { () throws(FixtureError) in
            let absolute = Self.absolute(path)
            let file = try writableID(absolute)
            if let found = lookUp(absolute, in: file) {
                if found == .group { return }
                throw failure(absolute, .alreadyExists(found.rawValue))
            }
            try requireParentGroups(of: absolute, in: file)
            let lcpl = try linkCreationList(for: absolute)
            let group = H5Gcreate2(file, absolute, lcpl.id, chdf5_p_default(), chdf5_p_default())
            guard group >= 0 else { throw libraryFailure(absolute, "creating the group") }
            _ = H5Gclose(group)
        }
    }

    // MARK: - Internals shared by the extensions

    /// `inputs//a/` -> `/inputs/a`; the root is `/`.
    static func absolute(_ path: String) -> String {
        "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// The kind of object at the absolute `path`, nil if none. Leaves no HDF5 error behind.
    func lookUp(_ path: String, in file: hid_t) -> HDF5ObjectKind? {
        defer { _ = H5Eclear2(chdf5_e_default()) }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            guard H5Lexists(file, prefix, chdf5_p_default()) > 0 else { return nil }
        }
        guard H5Oexists_by_name(file, path, chdf5_p_default()) > 0 else { return nil }
        let object = H5Oopen(file, path, chdf5_p_default())
        guard object >= 0 else { return nil }
        defer { _ = H5Oclose(object) }
        switch H5Iget_type(object) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// Opens the group or dataset at the absolute `path`, checking its kind if `expected` is given.
    ///
    /// Errors: `.missingGroup` / `.missingDataset` / `.missingObject`, `.wrongObjectKind`.
    func openObject(_ path: String, expecting expected: HDF5ObjectKind? = nil)
        throws(FixtureError) -> Handle
    {
        let file = try openID(path)
        guard let found = lookUp(path, in: file) else {
            switch expected {
            case .group: throw failure(path, .missingGroup)
            case .dataset: throw failure(path, .missingDataset)
            case .other, nil: throw failure(path, .missingObject)
            }
        }
        if let expected, expected != found {
            throw failure(path, .wrongObjectKind(expected: expected.rawValue, found: found.rawValue))
        }
        let object = Handle(H5Oopen(file, path, chdf5_p_default()), close: H5Oclose)
        guard object.id >= 0 else { throw libraryFailure(path, "opening the \(found.rawValue)") }
        return object
    }

    /// Throws `.wrongObjectKind` at the first parent of `path` that exists but is not a group.
    func requireParentGroups(of path: String, in file: hid_t) throws(FixtureError) {
        var prefix = ""
        for component in path.split(separator: "/").dropLast() {
            prefix += "/" + component
            guard let kind = lookUp(prefix, in: file) else { return }
            if kind != .group {
                throw failure(prefix, .wrongObjectKind(expected: "group", found: kind.rawValue))
            }
        }
    }

    /// Link creation properties: create missing parent groups, UTF-8 names (as h5py does).
    func linkCreationList(for path: String) throws(FixtureError) -> Handle {
        let lcpl = Handle(H5Pcreate(chdf5_p_link_create()), close: H5Pclose)
        guard lcpl.id >= 0,
              H5Pset_create_intermediate_group(lcpl.id, 1) >= 0,
              H5Pset_char_encoding(lcpl.id, H5T_CSET_UTF8) >= 0
        else { throw libraryFailure(path, "setting up link creation") }
        return lcpl
    }

    /// Calls an HDF5 "get name" function twice: once for the length, once to fill a buffer.
    func readName(of path: String,
                  _ get: (UnsafeMutablePointer<CChar>?, Int) -> Int) throws(FixtureError) -> String
    {
        let length = get(nil, 0)
        guard length >= 0 else { throw libraryFailure(path, "reading a name") }
        var buffer = [CChar](repeating: 0, count: length + 1)
        let written = buffer.withUnsafeMutableBufferPointer { get($0.baseAddress, length + 1) }
        guard written >= 0 else { throw libraryFailure(path, "reading a name") }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
