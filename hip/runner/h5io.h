// h5io.h: the little of HDF5 the runner needs, over the HDF5 C library (Debian/Ubuntu:
// libhdf5-dev, -I/usr/include/hdf5/serial -lhdf5_serial).
//
// Every failure throws H5Failure naming the file and the path inside it. Strings are written the
// way h5py writes them (scalar, variable-length, UTF-8); both variable- and fixed-length strings
// are read.
#ifndef FP8MOE_RUNNER_H5IO_H
#define FP8MOE_RUNNER_H5IO_H

#include <stdint.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <hdf5.h>

namespace fp8moe {

struct H5Failure : std::runtime_error {
    std::string file, path;
    H5Failure(const std::string& file_, const std::string& path_, const std::string& what)
        : std::runtime_error(file_ + ": " + path_ + ": " + what), file(file_), path(path_) {}
};

/// An owned HDF5 identifier, closed with the matching H5*close.
class H5Id {
public:
    H5Id() = default;
    explicit H5Id(hid_t id) : id_(id) {}
    H5Id(H5Id&& o) noexcept : id_(o.id_) { o.id_ = -1; }
    H5Id& operator=(H5Id&& o) noexcept { reset(); id_ = o.id_; o.id_ = -1; return *this; }
    H5Id(const H5Id&) = delete;
    H5Id& operator=(const H5Id&) = delete;
    ~H5Id() { reset(); }
    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }
    void reset();
private:
    hid_t id_ = -1;
};

/// An element array read from a dataset, with its shape.
template <typename T> struct H5Array {
    std::vector<int64_t> shape;
    std::vector<T> data;
    int64_t dim(size_t i) const { return i < shape.size() ? shape[i] : 0; }
};

class H5File {
public:
    /// Opens read-only (readwrite = false) or for update.
    H5File(const std::string& path, bool readwrite);
    ~H5File();
    H5File(const H5File&) = delete;
    H5File& operator=(const H5File&) = delete;

    const std::string& path() const { return path_; }
    bool exists(const std::string& object) const;

    /// A dataset of 16-bit integers holding bf16 bit patterns. If it has a `dtype` attribute, it
    /// must be "bfloat16".
    H5Array<uint16_t> read_bf16(const std::string& object) const;
    /// A dataset of integers of any width, read as int64.
    H5Array<int64_t> read_integers(const std::string& object) const;

    /// Removes the group or dataset if present.
    void remove(const std::string& object);
    /// Creates a group and any missing parents.
    void create_group(const std::string& object);
    void write_u8(const std::string& object, const std::vector<int64_t>& shape, const uint8_t* data);
    void write_f32(const std::string& object, const std::vector<int64_t>& shape, const float* data);
    void write_f64(const std::string& object, const std::vector<int64_t>& shape, const double* data);
    void set_string(const std::string& object, const std::string& name, const std::string& value);
    void set_int(const std::string& object, const std::string& name, int64_t value);
    /// Flushes and closes; errors are reported here rather than lost in a destructor.
    void close();

private:
    H5Id open_dataset(const std::string& object) const;
    std::vector<int64_t> shape_of(const H5Id& dataset, const std::string& object) const;
    std::string read_string_attribute(hid_t object_id, const std::string& object, const char* name) const;
    void write_dataset(const std::string& object, const std::vector<int64_t>& shape, hid_t file_type,
                       hid_t memory_type, const void* data);
    [[noreturn]] void fail(const std::string& object, const std::string& what) const;

    std::string path_;
    hid_t file_ = -1;
};

/// "HDF5 1.10.8": the library's own version.
std::string hdf5_version();

}  // namespace fp8moe

#endif  // FP8MOE_RUNNER_H5IO_H
