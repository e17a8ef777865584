"""Exit status, exec failure, option parsing, usage errors and --version
of the real binary (SPEC sections 1, 2 and 5)."""

import os
import re
import stat
import subprocess

import pytest

from conftest import (HANG, PID1_PREFIX, SHELL_PATH, VERSION, WARD, base_env,
                      helper, run, ward_lines)


def test_exit_codes_0_to_255_pass_through(mode):
    # tini's loop, in one shell so 256 runs stay cheap.
    prefix = " ".join(PID1_PREFIX) if mode == "pid1" else ""
    script = ('i=0; while [ $i -le 255 ]; do '
              f'{prefix} "$WARD" sh -c "exit $i"; echo "$i $?"; '
              'i=$((i+1)); done')
    r = subprocess.run(["sh", "-c", script], env=base_env(WARD=WARD),
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=120)
    got = dict(ln.split() for ln in r.stdout.splitlines())
    assert len(got) == 256, r.stdout[-500:] + r.stderr[-500:]
    wrong = {k: v for k, v in got.items() if k != v}
    assert not wrong, f"exit code in -> ward's out: {wrong}"


# HUP INT QUIT ILL ABRT FPE KILL USR1 SEGV USR2 PIPE ALRM TERM, RT signals.
KILLED_BY = [1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 13, 14, 15, 34, 37, 64]


@pytest.mark.parametrize("signo", KILLED_BY)
def test_child_killed_by_signal_gives_128_plus_n(mode, signo):
    r = run([helper("die"), str(signo)], mode)
    assert r.returncode == 128 + signo, r.stderr


def exec_failure_line(stderr, code):
    """The one line about a failed exec; SPEC's last line may follow it.

    Exactly one line names the failure; anything else is the last line,
    saying ward exits with the code.
    """
    ls = ward_lines(stderr)
    assert ls, "no message at all"
    assert len(ls) <= 2, ls
    if len(ls) == 2:
        assert re.search(rf"\b{code}\b", ls[1]), ls
    assert "cannot exec" not in " ".join(ls[1:]), ls
    return ls[0]


def test_exec_not_found_is_127_with_one_line(mode, tmp_path):
    prog = str(tmp_path / "no-such-program")
    r = run([prog, "arg"], mode)
    assert r.returncode == 127, r.stderr
    line = exec_failure_line(r.stderr, 127)
    assert prog in line and "No such file or directory" in line


def test_exec_not_found_in_path_is_127(mode):
    r = run(["ward-e2e-no-such-command"], mode)
    assert r.returncode == 127, r.stderr
    line = exec_failure_line(r.stderr, 127)
    assert "ward-e2e-no-such-command" in line
    assert "No such file or directory" in line


def test_exec_not_executable_is_126_with_one_line(mode, tmp_path):
    prog = tmp_path / "not-executable"
    prog.write_text("#!/bin/sh\necho should not run\n")
    prog.chmod(stat.S_IRUSR | stat.S_IWUSR)
    r = run([str(prog)], mode)
    assert r.returncode == 126, r.stderr
    assert "should not run" not in r.stdout
    line = exec_failure_line(r.stderr, 126)
    assert str(prog) in line and "Permission denied" in line


def test_exec_directory_is_126(mode, tmp_path):
    r = run([str(tmp_path)], mode)
    assert r.returncode == 126, r.stderr
    assert str(tmp_path) in exec_failure_line(r.stderr, 126)


def test_option_parsing_stops_at_first_non_option():
    r = run(["echo", "-v"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "-v\n"


def test_double_dash_ends_options():
    r = run(["--", "echo", "--version", "-e", "3"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "--version -e 3\n"


def test_arguments_pass_through_unchanged(tmp_path):
    args = ["", "two words", "-x", "--grace", "'quoted'", "tab\there", "ü"]
    r = run(["printf", "[%s]\\n"] + args)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "".join(f"[{a}]\n" for a in args)


@pytest.mark.parametrize("flag", ["-e", "--remap-exit"])
def test_remap_exit_143_makes_term_death_exit_0(mode, flag):
    r = run([flag, "143", helper("die"), "15"], mode)
    assert r.returncode == 0, r.stderr
    assert run([helper("die"), "15"], mode).returncode == 143


def test_remap_exit_is_repeatable():
    assert run(["-e", "143", "-e", "3", "sh", "-c", "exit 3"]).returncode == 0
    assert run(["-e", "143", "-e", "3", helper("die"), "15"]).returncode == 0
    assert run(["-e", "143", "-e", "3", "sh", "-c", "exit 4"]).returncode == 4
    assert run(["--remap-exit=3", "sh", "-c", "exit 3"]).returncode == 0


def test_remap_exit_from_environment(mode):
    env = base_env(WARD_REMAP_EXIT="143,3")
    assert run([helper("die"), "15"], mode, env=env).returncode == 0
    assert run(["sh", "-c", "exit 3"], mode, env=env).returncode == 0
    assert run(["sh", "-c", "exit 4"], mode, env=env).returncode == 4
    assert run([helper("die"), "9"], mode, env=env).returncode == 137


def test_subreaper_flag_is_accepted():
    for flag in ("-s", "--subreaper"):
        r = run([flag, "sh", "-c", "exit 5"])
        assert r.returncode == 5, r.stderr


BAD_USAGE = [
    ["--no-such-option", "true"],
    ["-Z", "true"],
    [],
    ["--"],
    ["-v"],
    ["-p", "NOSUCHSIG", "true"],
    ["-p", "65", "true"],
    ["--shutdown-signals", "TERM,BOGUS", "true"],
    ["--grace", "5x", "true"],
    ["--grace", "-1", "true"],
    ["--grace", "", "true"],
    ["-r", "TERM", "true"],
    ["-r", "TERM:NOSUCHSIG", "true"],
    ["-r", "BOGUS:TERM", "true"],
    ["-e", "abc", "true"],
    ["-e", "256", "true"],
    ["-e", "-1", "true"],
    ["--grace"],
]


@pytest.mark.parametrize("args", BAD_USAGE, ids=lambda a: " ".join(a) or "none")
def test_usage_error_exit_2_one_line_plus_hint_and_starts_nothing(args,
                                                                   tmp_path):
    # "true" stands for a program that would leave a marker if started.
    marker = tmp_path / "started"
    argv = args[:-1] + ["touch", str(marker)] if args[-1:] == ["true"] \
        else args
    r = run(argv)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert_usage_message(r.stderr)
    assert not marker.exists()
    assert r.stdout == ""


def assert_usage_message(stderr):
    # One `ward: ...` line saying what is wrong, then the hint, which
    # carries the prefix too (SPEC section 5: every line ward writes).
    ls = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(ls) == 2, ls
    assert ls[0].startswith("ward: "), ls
    assert "Try 'ward --help'" not in ls[0], ls
    assert ls[1] == "ward: Try 'ward --help'", ls


@pytest.mark.parametrize("var,value", [
    ("WARD_GRACE", "5x"),
    ("WARD_REMAP_EXIT", "3,abc"),
    ("WARD_SHUTDOWN_SIGNALS", "TERM,NOSUCHSIG"),
    ("WARD_REWRITE", "TERM"),
    ("WARD_PDEATHSIG", "NOSUCHSIG"),
    ("WARD_WARN_REAPED", "maybe"),
])
def test_bad_environment_is_usage_error(var, value, tmp_path):
    marker = tmp_path / "started"
    r = run(["touch", str(marker)], env=base_env(**{var: value}))
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert_usage_message(r.stderr)
    assert not marker.exists()


def test_version():
    r = run(["--version"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"ward version {VERSION}\n"
    assert r.stderr == ""


@pytest.mark.parametrize("name", ["docker-init", "tini"])
def test_version_as_tini_for_docker_info(name, tmp_path):
    link = tmp_path / name
    os.symlink(WARD, link)
    r = run(["--version"], argv0=str(link))
    assert r.returncode == 0, r.stderr
    # dockerd shows the word after "git." as "init version", and only when
    # it holds no dot: the version goes there with dots as underscores.
    tag = VERSION.replace(".", "_")
    assert r.stdout == f"tini version {VERSION} - git.ward-{tag}\n"


def test_version_via_other_name_stays_ward(tmp_path):
    link = tmp_path / "init"
    os.symlink(WARD, link)
    r = run(["--version"], argv0=str(link))
    assert r.stdout == f"ward version {VERSION}\n"


def test_docker_init_name_still_supervises(mode, tmp_path):
    # Docker runs `docker-init -- cmd`.
    link = tmp_path / "docker-init"
    os.symlink(WARD, link)
    r = run(["--", "sh", "-c", "exit 9"], mode, argv0=str(link))
    assert r.returncode == 9, r.stderr


def test_help_goes_to_stdout_and_exits_0():
    r = run(["--help"])
    assert r.returncode == 0, r.stderr
    assert "usage: ward" in r.stdout


def test_license():
    for flag in ("-l", "--license"):
        r = run([flag])
        assert r.returncode == 0, r.stderr
        assert "MIT" in r.stdout or "Permission is hereby granted" in r.stdout


def test_stdio_is_passed_to_the_child(mode):
    r = subprocess.run(
        (PID1_PREFIX if mode == "pid1" else []) +
        [WARD, "sh", "-c", "read x; echo got $x; echo err >&2"],
        input="hello\n", capture_output=True, text=True, timeout=HANG,
        env=base_env())
    assert r.returncode == 0
    assert r.stdout == "got hello\n"
    assert r.stderr.startswith("err\n")
    ward_lines(r.stderr[4:])


def test_path_lookup_uses_childs_path(tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    prog = d / "ward-e2e-prog"
    prog.write_text("#!/bin/sh\nexit 42\n")
    prog.chmod(0o755)
    r = run(["ward-e2e-prog"], env=base_env(PATH=f"{d}:{SHELL_PATH}"))
    assert r.returncode == 42, r.stderr


# --- a script without #! (ENOEXEC): /bin/sh runs it, as glibc's execvp ---

def shebangless(path, body):
    path.write_text(body)
    path.chmod(0o755)
    return str(path)


def test_script_without_shebang_runs_with_bin_sh(mode, tmp_path):
    prog = shebangless(tmp_path / "plain",
                       'echo "$0|$#|$1|$2"\nexit 42\n')
    r = run([prog, "a b", "-c"], mode)
    assert r.returncode == 42, r.stderr
    assert r.stdout == f"{prog}|2|a b|-c\n"
    assert "cannot exec" not in r.stderr


def test_script_without_shebang_found_in_path(mode, tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    prog = shebangless(d / "ward-e2e-plain", 'echo "$0 $1"\nexit 7\n')
    # A directory before it that holds no such file: the search goes on.
    r = run(["ward-e2e-plain", "x"], mode,
            env=base_env(PATH=f"{tmp_path}/none:{d}:{SHELL_PATH}"))
    assert r.returncode == 7, r.stderr
    assert r.stdout == f"{prog} x\n"


def test_script_without_shebang_and_no_bin_sh_is_126(mode, tmp_path):
    # FROM scratch: no /bin/sh. /bin is /usr/bin here (merged /usr); a
    # tmpfs over it, in a mount namespace of its own, hides sh.
    prog = shebangless(tmp_path / "plain", "exit 0\n")
    hide = ('mount -t tmpfs ward-e2e-nosh /usr/bin && '
            'test ! -e /bin/sh && exec "$0" "$@"')
    ns = PID1_PREFIX if mode == "pid1" else ["unshare", "--mount"]
    r = subprocess.run(ns + ["sh", "-c", hide, WARD, prog], env=base_env(),
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=HANG)
    assert r.returncode == 126, r.stderr
    line = exec_failure_line(r.stderr, 126)
    assert prog in line and "Exec format error" in line, line
    assert "/bin/sh" in line, line
