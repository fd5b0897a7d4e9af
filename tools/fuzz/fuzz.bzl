"""tcplab_fuzz_target: a libFuzzer target that also builds and runs in normal builds.

Under --config=fuzz (which defines tcplab_fuzz=libfuzzer) the binary links
libFuzzer's main. Otherwise it links //tools/fuzz:replay_main, which runs the
fuzz function over the files (or directories) named on the command line, so
the target stays compiled and can replay a reproducer in any build.

`name + "_regression_test"` replays the committed corpus (seeds and any
committed crash reproducers) in normal builds, so `bazel test //...` keeps
every fixed crash fixed.
"""

def tcplab_fuzz_target(name, srcs, deps, corpus = [], dict = None):
    """Defines `name` (fuzz binary) and `name_regression_test`.

    Args:
      name: target name; `tools/fuzz/run name` runs it under libFuzzer.
      srcs: sources defining LLVMFuzzerTestOneInput.
      deps: libraries under test.
      corpus: committed seed/reproducer files (usually a glob of corpus/<dir>/*).
      dict: optional libFuzzer dictionary file, shipped as data for tools/fuzz/run.
    """
    native.cc_binary(
        name = name,
        srcs = srcs,
        deps = deps + select({
            "//tools/fuzz:libfuzzer": [],
            "//conditions:default": ["//tools/fuzz:replay_main"],
        }),
        linkopts = select({
            "//tools/fuzz:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        data = [dict] if dict else [],
        tags = ["fuzz"],
    )

    native.filegroup(
        name = name + "_corpus",
        srcs = corpus,
    )

    native.cc_test(
        name = name + "_regression_test",
        srcs = srcs,
        deps = deps + ["//tools/fuzz:replay_main"],
        data = [":" + name + "_corpus"],
        args = ["$(locations :" + name + "_corpus)"] if corpus else [],
        size = "small",
        # Static, like the binary: sanitizer runtimes do not resolve into
        # the per-library shared objects cc_test links by default.
        linkstatic = True,
    )
