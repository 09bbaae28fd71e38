// h5io.cpp: see h5io.h.
#include "h5io.h"

#include <string.h>

namespace fp8moe {

void H5Id::reset() {
    if (id_ >= 0) H5Idec_ref(id_);  // closes files, groups, datasets, types, spaces, attributes
    id_ = -1;
}

std::string hdf5_version() {
    unsigned major = 0, minor = 0, release = 0;
    H5get_libversion(&major, &minor, &release);
    return "HDF5 " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

H5File::H5File(const std::string& path, bool readwrite) : path_(path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // our messages, not the library's stack dump
    file_ = H5Fopen(path.c_str(), readwrite ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file_ < 0)
        fail("/", readwrite ? "cannot open for writing (missing, unreadable, or not an HDF5 file)"
                            : "cannot open (missing, unreadable, or not an HDF5 file)");
}

H5File::~H5File() {
    if (file_ >= 0) H5Fclose(file_);
}

void H5File::close() {
    if (file_ < 0) return;
    const herr_t flushed = H5Fflush(file_, H5F_SCOPE_GLOBAL);
    const herr_t closed = H5Fclose(file_);
    file_ = -1;
    if (flushed < 0 || closed < 0) fail("/", "cannot flush and close the file");
}

void H5File::fail(const std::string& object, const std::string& what) const {
    throw H5Failure(path_, object, what);
}

bool H5File::exists(const std::string& object) const {
    // Walk the path: H5Lexists needs every parent to exist.
    std::string prefix;
    size_t start = 1;
    while (start <= object.size()) {
        size_t end = object.find('/', start);
        if (end == std::string::npos) end = object.size();
        prefix = object.substr(0, end);
        if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
        start = end + 1;
    }
    return true;
}

H5Id H5File::open_dataset(const std::string& object) const {
    if (!exists(object)) fail(object, "missing");
    H5Id obj(H5Oopen(file_, object.c_str(), H5P_DEFAULT));
    if (!obj.valid()) fail(object, "cannot open");
    if (H5Iget_type(obj.get()) != H5I_DATASET) fail(object, "is not a dataset");
    return obj;
}

std::vector<int64_t> H5File::shape_of(const H5Id& dataset, const std::string& object) const {
    H5Id space(H5Dget_space(dataset.get()));
    if (!space.valid()) fail(object, "cannot read the dataspace");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) fail(object, "cannot read the rank");
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
        fail(object, "cannot read the shape");
    return std::vector<int64_t>(dims.begin(), dims.end());
}

std::string H5File::read_string_attribute(hid_t object_id, const std::string& object,
                                          const char* name) const {
    const std::string where = object + " attribute '" + name + "'";
    H5Id attr(H5Aopen(object_id, name, H5P_DEFAULT));
    if (!attr.valid()) fail(where, "cannot open");
    H5Id type(H5Aget_type(attr.get()));
    if (H5Tget_class(type.get()) != H5T_STRING) fail(where, "is not a string");
    H5Id space(H5Aget_space(attr.get()));
    if (H5Sget_simple_extent_npoints(space.get()) != 1) fail(where, "is not a single string");
    H5Id memory(H5Tcopy(H5T_C_S1));
    H5Tset_cset(memory.get(), H5Tget_cset(type.get()));  // no ASCII <-> UTF-8 conversion exists
    if (H5Tis_variable_str(type.get()) > 0) {
        H5Tset_size(memory.get(), H5T_VARIABLE);
        char* text = nullptr;
        if (H5Aread(attr.get(), memory.get(), &text) < 0) fail(where, "cannot read");
        std::string value = text ? text : "";
        H5free_memory(text);
        return value;
    }
    const size_t size = H5Tget_size(type.get());
    std::vector<char> text(size + 1, '\0');
    H5Tset_size(memory.get(), size + 1);
    H5Tset_strpad(memory.get(), H5T_STR_NULLTERM);
    if (H5Aread(attr.get(), memory.get(), text.data()) < 0) fail(where, "cannot read");
    return std::string(text.data());
}

H5Array<uint16_t> H5File::read_bf16(const std::string& object) const {
    H5Id dataset = open_dataset(object);
    H5Id type(H5Dget_type(dataset.get()));
    if (H5Tget_class(type.get()) != H5T_INTEGER || H5Tget_size(type.get()) != 2)
        fail(object, "must hold 16-bit integers (bf16 bit patterns)");
    if (H5Aexists(dataset.get(), "dtype") > 0) {
        const std::string dtype = read_string_attribute(dataset.get(), object, "dtype");
        if (dtype != "bfloat16")
            fail(object, "dtype '" + dtype + "' is not supported (this runner quantizes bfloat16)");
    }
    H5Array<uint16_t> array;
    array.shape = shape_of(dataset, object);
    size_t count = 1;
    for (int64_t d : array.shape) count *= size_t(d);
    array.data.resize(count);
    if (count > 0 &&
        H5Dread(dataset.get(), H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, array.data.data()) < 0)
        fail(object, "cannot read");
    return array;
}

H5Array<int64_t> H5File::read_integers(const std::string& object) const {
    H5Id dataset = open_dataset(object);
    H5Id type(H5Dget_type(dataset.get()));
    if (H5Tget_class(type.get()) != H5T_INTEGER) fail(object, "must hold integers");
    H5Array<int64_t> array;
    array.shape = shape_of(dataset, object);
    size_t count = 1;
    for (int64_t d : array.shape) count *= size_t(d);
    array.data.resize(count);
    if (count > 0 &&
        H5Dread(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, array.data.data()) < 0)
        fail(object, "cannot read");
    return array;
}

void H5File::remove(const std::string& object) {
    if (exists(object) && H5Ldelete(file_, object.c_str(), H5P_DEFAULT) < 0)
        fail(object, "cannot remove");
}

void H5File::create_group(const std::string& object) {
    if (exists(object)) return;
    H5Id plist(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(plist.get(), 1);
    H5Id group(H5Gcreate2(file_, object.c_str(), plist.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!group.valid()) fail(object, "cannot create the group");
}

void H5File::write_dataset(const std::string& object, const std::vector<int64_t>& shape,
                           hid_t file_type, hid_t memory_type, const void* data) {
    std::vector<hsize_t> dims(shape.begin(), shape.end());
    H5Id space(H5Screate_simple(int(dims.size()), dims.data(), nullptr));
    if (!space.valid()) fail(object, "cannot create the dataspace");
    H5Id plist(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(plist.get(), 1);
    H5Id dataset(H5Dcreate2(file_, object.c_str(), file_type, space.get(), plist.get(),
                            H5P_DEFAULT, H5P_DEFAULT));
    if (!dataset.valid()) fail(object, "cannot create the dataset");
    size_t count = 1;
    for (hsize_t d : dims) count *= size_t(d);
    if (count > 0 && H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        fail(object, "cannot write");
}

void H5File::write_u8(const std::string& object, const std::vector<int64_t>& shape, const uint8_t* data) {
    write_dataset(object, shape, H5T_STD_U8LE, H5T_NATIVE_UINT8, data);
}

void H5File::write_f32(const std::string& object, const std::vector<int64_t>& shape, const float* data) {
    write_dataset(object, shape, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data);
}

void H5File::write_f64(const std::string& object, const std::vector<int64_t>& shape, const double* data) {
    write_dataset(object, shape, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data);
}

void H5File::set_string(const std::string& object, const std::string& name, const std::string& value) {
    const std::string where = object + " attribute '" + name + "'";
    H5Id type(H5Tcopy(H5T_C_S1));
    if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
        fail(where, "cannot make the string type");
    H5Id space(H5Screate(H5S_SCALAR));
    if (H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0)
        H5Adelete_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT);
    H5Id attr(H5Acreate_by_name(file_, object.c_str(), name.c_str(), type.get(), space.get(),
                                H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (!attr.valid()) fail(where, "cannot create");
    const char* text = value.c_str();
    if (H5Awrite(attr.get(), type.get(), &text) < 0) fail(where, "cannot write");
}

void H5File::set_int(const std::string& object, const std::string& name, int64_t value) {
    const std::string where = object + " attribute '" + name + "'";
    H5Id space(H5Screate(H5S_SCALAR));
    if (H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0)
        H5Adelete_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT);
    H5Id attr(H5Acreate_by_name(file_, object.c_str(), name.c_str(), H5T_STD_I64LE, space.get(),
                                H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (!attr.valid()) fail(where, "cannot create");
    if (H5Awrite(attr.get(), H5T_NATIVE_INT64, &value) < 0) fail(where, "cannot write");
}

}  // namespace fp8moe
