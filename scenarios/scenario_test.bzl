"""Bazel rules that turn scenario files into tests.

tcp_scenario_test(name, src, seed = None)
    One test: `tcplab run SRC [--seed=SEED]`; fails when an expectation
    fails (the log then ends with the replay command).
tcp_scenario_suite(name, srcs)
    One tcp_scenario_test per file (named NAME_<file stem>) and a
    test_suite NAME holding them.
tcp_scenario_sweep(name, src, seeds = 10000, first_seed = 0, shard_count = 10)
    `tcplab sweep SRC --seeds=FIRST..LAST` under Bazel's test sharding:
    each shard runs every shard_count-th seed and the log lists each
    failing seed with its replay command.
"""

_TOOL = "//tools/cli:tcplab"
_RUNNER = "//scenarios:run_tool.sh"

def _stem(path):
    base = path.split(":")[-1].split("/")[-1]
    return base.rsplit(".", 1)[0]

def tcp_scenario_test(name, src, seed = None, args = [], size = "small", **kwargs):
    cmd = ["$(rootpath %s)" % _TOOL, "run", "$(rootpath %s)" % src]
    if seed != None:
        cmd.append("--seed=%d" % seed)
    native.sh_test(
        name = name,
        srcs = [_RUNNER],
        args = cmd + args,
        data = [_TOOL, src],
        size = size,
        **kwargs
    )

def tcp_scenario_suite(name, srcs, **kwargs):
    tests = []
    for src in srcs:
        test_name = "%s_%s" % (name, _stem(src))
        tcp_scenario_test(name = test_name, src = src, **kwargs)
        tests.append(":" + test_name)
    native.test_suite(name = name, tests = tests, tags = kwargs.get("tags", []))

def tcp_scenario_sweep(name, src, seeds = 10000, first_seed = 0, shard_count = 10, size = "medium", **kwargs):
    native.sh_test(
        name = name,
        srcs = [_RUNNER],
        args = [
            "$(rootpath %s)" % _TOOL,
            "sweep",
            "$(rootpath %s)" % src,
            "--seeds=%d..%d" % (first_seed, first_seed + seeds - 1),
        ],
        data = [_TOOL, src],
        shard_count = shard_count,
        size = size,
        **kwargs
    )
