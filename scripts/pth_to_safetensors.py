#!/usr/bin/env python3
"""Convert a legacy-format PyTorch checkpoint (.pth written by torch.save before the zip format, e.g. torchvision's
mobilenet_v2-b0353104.pth) into a .safetensors file — without torch.

Legacy format (torch/serialization.py, `_legacy_save`): five pickles back to back, then raw bytes:
  1. magic number 0x1950a86a20f9469cfc6c   2. protocol version 1001   3. sys info (byte order, type sizes)
  4. the object (here an OrderedDict name -> tensor); tensors are pickled as
     torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
     where `storage` is a persistent id ('storage', StorageType, key, location, numel[, view_metadata])
  5. the list of storage keys, in the order their bytes follow
  then, for each key: numel as little-endian int64, then numel * element_size bytes.

safetensors (https://github.com/huggingface/safetensors): u64 little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}} (offsets into the data that follows), then the data.

Usage: pth_to_safetensors.py IN.pth OUT.safetensors
"""
import collections
import json
import os
import pickle
import struct
import sys

import numpy as np

STORAGE_DTYPES = {  # legacy storage class name -> (numpy dtype, safetensors dtype)
    "FloatStorage": (np.float32, "F32"), "DoubleStorage": (np.float64, "F64"), "HalfStorage": (np.float16, "F16"),
    "LongStorage": (np.int64, "I64"), "IntStorage": (np.int32, "I32"), "ShortStorage": (np.int16, "I16"),
    "CharStorage": (np.int8, "I8"), "ByteStorage": (np.uint8, "U8"), "BoolStorage": (np.bool_, "BOOL"),
}


class StorageType:
    def __init__(self, name):
        self.name = name


class TensorRef:
    """A tensor as pickled: where its elements are in which storage."""
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, *rest):
    return TensorRef(storage, storage_offset, size, stride)


class LegacyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return rebuild_tensor_v2
        if module == "torch" and name in STORAGE_DTYPES:
            return StorageType(name)
        raise pickle.UnpicklingError(f"unexpected global {module}.{name} in the checkpoint")

    def persistent_load(self, pid):
        kind, storage_type, key = pid[0], pid[1], pid[2]
        if kind != "storage" or not isinstance(storage_type, StorageType):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        return (storage_type.name, key)


def convert(src, dst):
    with open(src, "rb") as f:
        magic = pickle.load(f)
        if magic != 0x1950A86A20F9469CFC6C:
            raise SystemExit(f"{src}: not a legacy PyTorch checkpoint (magic {magic!r}); zip checkpoints are not handled")
        if pickle.load(f) != 1001:
            raise SystemExit(f"{src}: unknown legacy protocol version")
        sys_info = pickle.load(f)
        if not sys_info.get("little_endian", True):
            raise SystemExit(f"{src}: big-endian checkpoint not supported")
        state = LegacyUnpickler(f).load()
        keys = pickle.load(f)
        storages = {}
        for key in keys:
            (numel,) = struct.unpack("<q", f.read(8))
            storages[key] = (numel, f.tell())
            # The element size comes from the storage type of a tensor that uses this storage.
            dtype = next((np.dtype(STORAGE_DTYPES[t.storage[0]][0]) for t in state.values()
                          if isinstance(t, TensorRef) and t.storage[1] == key), None)
            if dtype is None:
                raise SystemExit(f"{src}: storage {key} is used by no tensor")
            f.seek(numel * dtype.itemsize, os.SEEK_CUR)
        blob = open(src, "rb").read()

    header, chunks, offset = {}, [], 0
    for name, t in state.items():
        if not isinstance(t, TensorRef):
            raise SystemExit(f"{src}: entry {name} is not a tensor")
        np_dtype, st_dtype = STORAGE_DTYPES[t.storage[0]]
        numel, pos = storages[t.storage[1]]
        base = np.frombuffer(blob, dtype=np_dtype, count=numel, offset=pos)
        item = base.itemsize
        arr = np.lib.stride_tricks.as_strided(base[t.offset:], shape=t.size, strides=[s * item for s in t.stride])
        data = np.ascontiguousarray(arr).astype(np.dtype(np_dtype).newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": st_dtype, "shape": list(t.size), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = {"source": os.path.basename(src), "converted_by": "vlnsim scripts/pth_to_safetensors.py"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = dst + ".tmp"
    with open(tmp, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for c in chunks:
            out.write(c)
    os.replace(tmp, dst)
    return len(state)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    n = convert(sys.argv[1], sys.argv[2])
    print(f"{sys.argv[2]}: {n} tensors")
