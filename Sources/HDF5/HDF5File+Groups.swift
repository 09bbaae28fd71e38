internal import CHDF5

/// What a path inside a file names.
public enum HDF5ObjectKind: String, Sendable {
    case group, dataset
    /// A named datatype or anything else this module does not read.
    case other
}

extension HDF5File {
    /// The kind of object at `path`, or nil if no link is there (a missing parent or a parent
    /// that is not a group count as nothing). Soft links are followed inside the file.
    ///
    /// Errors: `.closed`; `.unreadable` for a link that exists but leads to nothing readable
    /// (dangling or cyclic soft link, an object the library cannot decode); `.notAllowed` for
    /// an external or user-defined link.
    public func objectKind(at path: String) throws(FixtureError) -> HDF5ObjectKind? {
        let absolute = Self.absolute(path)
        return try HDF5Library.locked { () throws(FixtureError) in
            try ReadProgress.step(self.path, absolute, "looking up the object") { () throws(FixtureError) in
                try lookUp(absolute, in: try openID(absolute))
            }
        }
    }

    /// Whether a group or dataset exists at `path`. Errors: those of `objectKind(at:)`.
    public func exists(_ path: String) throws(FixtureError) -> Bool {
        try objectKind(at: path) != nil
    }

    /// The names (not paths) of the links in the group at `path`, in byte order.
    ///
    /// Errors: `.missingGroup`, `.wrongObjectKind` if `path` is a dataset, `.library`.
    public func members(of path: String = "/") throws(FixtureError) -> [String] {
        let absolute = Self.absolute(path)
        return try HDF5Library.locked { () throws(FixtureError) in
          try ReadProgress.step(self.path, absolute, "listing the group") { () throws(FixtureError) in
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
            if let found = try lookUp(absolute, in: file) {
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

    /// The kind of object at the absolute `path`, nil if no link is there. Leaves no HDF5 error
    /// behind.
    ///
    /// Nothing unreadable counts as absent (issue 12): a link that exists but leads nowhere (a
    /// dangling, cyclic or self soft link), or to an object the library cannot open (a header it
    /// cannot decode, a format newer than it), is an error, and so are external and
    /// user-defined links ("not allowed in a fixture"). Soft links are followed inside the file
    /// only, by `resolve`.
    func lookUp(_ path: String, in file: hid_t) throws(FixtureError) -> HDF5ObjectKind? {
        defer { _ = H5Eclear2(chdf5_e_default()) }
        guard let resolved = try resolve(path, in: file, asked: path, through: []) else { return nil }
        let object = H5Oopen(file, resolved, chdf5_p_default())
        guard object >= 0 else {
            throw failure(path, .unreadable(HDF5Library.explained(HDF5Library.innermostMessage())))
        }
        defer { _ = H5Oclose(object) }
        switch H5Iget_type(object) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// The path of hard links only that `path` names, following soft links inside the file;
    /// nil when some component has no link (a missing object, or a parent that is a dataset).
    ///
    /// Errors (at `asked`): `.unreadable` for a dangling soft link, a cycle of soft links (or
    /// more than 16 in a row), a link the library cannot read; `.notAllowed` for an external or
    /// user-defined link.
    func resolve(_ path: String, in file: hid_t, asked: String, through visited: [String])
        throws(FixtureError) -> String?
    {
        var resolved = ""
        for component in path.split(separator: "/") where component != "." {
            let candidate = resolved + "/" + component
            guard H5Lexists(file, candidate, chdf5_p_default()) > 0 else {
                _ = H5Eclear2(chdf5_e_default())
                return nil
            }
            var info = H5L_info_t()
            guard H5Lget_info(file, candidate, &info, chdf5_p_default()) >= 0 else {
                throw failure(asked, .unreadable("the link \(candidate): \(HDF5Library.innermostMessage())"))
            }
            switch info.type {
            case H5L_TYPE_HARD:
                resolved = candidate
            case H5L_TYPE_SOFT:
                let target = try linkValue(candidate, size: info.u.val_size, in: file, asked: asked)
                let chain = visited + [candidate]
                guard !visited.contains(candidate), chain.count <= 16 else {
                    throw failure(asked, .unreadable(
                        "soft links in a cycle (\(chain.joined(separator: " -> ")))"))
                }
                let absoluteTarget = target.hasPrefix("/") ? target : resolved + "/" + target
                guard let next = try resolve(absoluteTarget, in: file, asked: asked, through: chain) else {
                    throw failure(asked, .unreadable(
                        "the soft link \(candidate) points to \(target), which does not exist"))
                }
                resolved = next == "/" ? "" : next
            case H5L_TYPE_EXTERNAL:
                let value = try linkValue(candidate, size: info.u.val_size, in: file, asked: asked,
                                          external: true)
                throw failure(asked, .notAllowed("external link \(candidate) (to \(value))"))
            default:
                throw failure(asked, .notAllowed("user-defined link \(candidate)"))
            }
        }
        return resolved.isEmpty ? "/" : resolved
    }

    /// The value of a soft link (its target path) or of an external link (`file:/path`).
    private func linkValue(_ link: String, size: Int, in file: hid_t, asked: String,
                           external: Bool = false) throws(FixtureError) -> String {
        guard size > 0, size <= 1 << 16 else {
            throw failure(asked, .unreadable("the link \(link) has a value of \(size) bytes"))
        }
        var buffer = [CChar](repeating: 0, count: size + 1)
        guard H5Lget_val(file, link, &buffer, size, chdf5_p_default()) >= 0 else {
            throw failure(asked, .unreadable("the link \(link): \(HDF5Library.innermostMessage())"))
        }
        guard external else {
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var flags: UInt32 = 0
        var fileName: UnsafePointer<CChar>? = nil
        var objectName: UnsafePointer<CChar>? = nil
        guard H5Lunpack_elink_val(&buffer, size, &flags, &fileName, &objectName) >= 0,
              let fileName, let objectName else { return "another file" }
        return "\(String(cString: fileName)):\(String(cString: objectName))"
    }

    /// Opens the group or dataset at the absolute `path`, checking its kind if `expected` is given.
    ///
    /// Errors: `.missingGroup` / `.missingDataset` / `.missingObject`, `.wrongObjectKind`.
    func openObject(_ path: String, expecting expected: HDF5ObjectKind? = nil)
        throws(FixtureError) -> Handle
    {
        let file = try openID(path)
        guard let found = try lookUp(path, in: file) else {
            switch expected {
            case .group: throw failure(path, .missingGroup)
            case .dataset: throw failure(path, .missingDataset)
            case .other, nil: throw failure(path, .missingObject)
            }
        }
        if let expected, expected != found {
            throw failure(path, .wrongObjectKind(expected: expected.rawValue, found: found.rawValue))
        }
        let resolved = try resolve(path, in: file, asked: path, through: []) ?? path
        let object = Handle(H5Oopen(file, resolved, chdf5_p_default()), close: H5Oclose)
        guard object.id >= 0 else { throw libraryFailure(path, "opening the \(found.rawValue)") }
        if found == .dataset { try requireStorageInFile(object, at: path) }
        return object
    }

    /// Throws `.wrongObjectKind` at the first parent of `path` that exists but is not a group.
    func requireParentGroups(of path: String, in file: hid_t) throws(FixtureError) {
        var prefix = ""
        for component in path.split(separator: "/").dropLast() {
            prefix += "/" + component
            guard let kind = try lookUp(prefix, in: file) else { return }
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
