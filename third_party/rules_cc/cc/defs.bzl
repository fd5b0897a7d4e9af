"""Stand-in for @rules_cc: Bazel 4.2.3's own tools/cpp loads these names.

Each forwards to the native rule. Debian's bazel-rules-cc is too new for
Bazel 4.2.3 (it needs use_cpp_toolchain), so the project carries this.
"""

def cc_binary(**attrs):
    native.cc_binary(**attrs)

def cc_import(**attrs):
    native.cc_import(**attrs)

def cc_library(**attrs):
    native.cc_library(**attrs)

def cc_test(**attrs):
    native.cc_test(**attrs)

def cc_toolchain(**attrs):
    native.cc_toolchain(**attrs)

def cc_toolchain_suite(**attrs):
    native.cc_toolchain_suite(**attrs)

def objc_library(**attrs):
    native.objc_library(**attrs)
