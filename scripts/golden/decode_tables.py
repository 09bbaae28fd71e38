"""Decode tables: every fp8 code of every format decoded to fp32 bits by a real implementation.

Usage: python3 scripts/golden/decode_tables.py {mldtypes|torch-cpu|torch-cuda} OUT.h5

Layout (schema fp8moe-golden-decode, version 1): /decode/<format> uint32[256], row c = the
fp32 bit pattern of code c converted to float32 (ml_dtypes `astype(np.float32)`, torch
`.to(torch.float32)`). Root attributes: producer, device, software, date, script.
"""
import datetime, platform, sys
import h5py, numpy as np

FORMATS = ["e4m3fn", "e5m2", "e4m3fnuz", "e5m2fnuz", "e8m0fnu"]


def decode_mldtypes(fmt):
    import ml_dtypes
    codes = np.arange(256, dtype=np.uint8).view(getattr(ml_dtypes, "float8_" + fmt))
    return codes.astype(np.float32).view(np.uint32), "ml_dtypes %s" % ml_dtypes.__version__, "CPU: " + platform.processor()


def decode_torch(fmt, device):
    import torch
    codes = torch.arange(256, dtype=torch.int32).to(torch.uint8).to(device)
    values = codes.view(getattr(torch, "float8_" + fmt)).to(torch.float32).cpu().numpy()
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU: " + platform.processor()
    return values.view(np.uint32), "torch %s" % torch.__version__, name


def main():
    producer, out = sys.argv[1], sys.argv[2]
    with h5py.File(out, "w") as f:
        f.attrs["schema"] = "fp8moe-golden-decode"
        f.attrs["schema_version"] = 1
        f.attrs["producer"] = producer
        f.attrs["script"] = "scripts/golden/decode_tables.py"
        f.attrs["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        software = device = ""
        for fmt in FORMATS:
            if producer == "mldtypes":
                bits, software, device = decode_mldtypes(fmt)
            else:
                bits, software, device = decode_torch(fmt, producer.split("-")[1])
            d = f.create_dataset("/decode/" + fmt, data=bits.astype(np.uint32))
            d.attrs["call"] = "astype(np.float32)" if producer == "mldtypes" else ".to(torch.float32)"
        f.attrs["software"] = "python %s; numpy %s; %s" % (platform.python_version(), np.__version__, software)
        f.attrs["device"] = device


if __name__ == "__main__":
    main()
