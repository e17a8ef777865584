"""Signals of the real binary (SPEC section 2): forwarding, -r rewrites,
shutdown signals, -g process groups, the child's inherited signal state,
terminals and job control, -p parent-death signal.

The child is tests/helpers/sigcatch (or pgroup, sigstate): it acknowledges
every signal it gets in a report file, and the tests wait for those lines.
"""

import fcntl
import os
import signal
import subprocess
import termios

import pytest

from conftest import (HANG, WARD, base_env, gone, helper, proc_stat, state,
                      sweep, wait_until)

SIG = signal.Signals

# Each signal the issue names, as the child sees it: (sent, name).
NAMED = [
    (SIG.SIGTERM, "TERM"), (SIG.SIGINT, "INT"), (SIG.SIGHUP, "HUP"),
    (SIG.SIGUSR1, "USR1"), (SIG.SIGUSR2, "USR2"), (SIG.SIGWINCH, "WINCH"),
    (37, "RTMIN+3"), (SIG.SIGABRT, "ABRT"), (SIG.SIGSEGV, "SEGV"),
    (SIG.SIGQUIT, "QUIT"), (SIG.SIGBUS, "BUS"), (SIG.SIGFPE, "FPE"),
    (SIG.SIGILL, "ILL"), (SIG.SIGTRAP, "TRAP"), (SIG.SIGSYS, "SYS"),
    (SIG.SIGURG, "URG"), (SIG.SIGCONT, "CONT"), (SIG.SIGTSTP, "TSTP"),
    (SIG.SIGTTIN, "TTIN"), (SIG.SIGTTOU, "TTOU"), (SIG.SIGPIPE, "PIPE"),
    (SIG.SIGALRM, "ALRM"), (64, "RTMAX"),
]

# Everything a process may catch and ward must forward: not KILL and STOP
# (uncatchable), not CHLD (ward's own reaping), not 32 and 33 (glibc's).
ALL_FORWARDED = [s for s in range(1, 65)
                 if s not in (9, 17, 19, 32, 33)]


def start_catcher(spawn, mode, report, *flags, exits=("TERM", "INT"),
                  **kw):
    """ward [flags] sigcatch: a child that acks signals; wait till ready."""
    r = report()
    xs = []
    for s in exits:
        xs += ["-x", str(int(SIG["SIG" + s]))]
    w = spawn(mode, list(flags) + [helper("sigcatch")] + xs + [str(r)], **kw)
    r.ward = w
    r.wait("ready")
    return w, r


def end_with_term(w, r):
    """Stop ward through the child (sigcatch -x TERM): exit 128+15."""
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()
    assert r.signals()[-1] == 15


@pytest.mark.parametrize("signo,name", NAMED, ids=[n for _, n in NAMED])
def test_signal_reaches_child(mode, spawn, report, signo, name):
    w, r = start_catcher(spawn, mode, report)
    w.kill(signo)
    r.wait_signal(int(signo))
    if name in ("TERM", "INT"):
        # default shutdown signals: the child dies of it, ward passes that on
        assert w.wait() == 128 + int(signo), w.stderr()
        return
    assert state(w.pid) not in (None, "T", "Z"), "ward stopped or died"
    end_with_term(w, r)
    assert r.signals() == [int(signo), 15]


def test_every_catchable_signal_reaches_child_in_order(mode, spawn, report):
    w, r = start_catcher(spawn, mode, report, exits=("TERM",))
    sent = [s for s in ALL_FORWARDED if s not in (2, 15)]
    for s in sent:
        w.kill(s)
        r.wait(rf"sig {s}")
    assert state(w.pid) not in (None, "T", "Z")
    assert r.signals() == sent
    end_with_term(w, r)


def test_signal_burst_is_forwarded(mode, spawn, report):
    # Distinct signals sent back to back, without waiting in between: the
    # kernel may merge repeats of one signal, never different ones.
    w, r = start_catcher(spawn, mode, report, exits=("TERM",))
    burst = [1, 10, 12, 28, 34, 35, 36, 40, 50, 60, 64]
    for s in burst:
        w.kill(s)
    for s in burst:
        r.wait_signal(s)
    end_with_term(w, r)


# --- -r rewrites ----------------------------------------------------------

def test_rewrite_term_to_quit(mode, spawn, report):
    w, r = start_catcher(spawn, mode, report, "-r", "TERM:QUIT",
                         exits=("QUIT",))
    w.kill(signal.SIGTERM)
    r.wait_signal(3)
    assert w.wait() == 128 + 3, w.stderr()
    assert 15 not in r.signals()


def test_rewrite_from_environment(mode, spawn, report):
    w, r = start_catcher(spawn, mode, report, exits=("QUIT",),
                         env=base_env(WARD_REWRITE="TERM:QUIT"))
    w.kill(signal.SIGTERM)
    r.wait_signal(3)
    assert w.wait() == 128 + 3, w.stderr()
    assert 15 not in r.signals()


@pytest.mark.parametrize("rule", ["USR1:RTMIN+3", "SIGUSR1:37", "10:RTMIN+3"])
def test_rewrite_accepts_names_numbers_and_rt(spawn, report, rule):
    w, r = start_catcher(spawn, "subreaper", report, "-r", rule)
    w.kill(signal.SIGUSR1)
    r.wait_signal(37)
    end_with_term(w, r)
    assert 10 not in r.signals()


def test_rewrite_is_repeatable_and_applies_once(spawn, report):
    # A swap: each rule applies to the received signal, not to the result.
    w, r = start_catcher(spawn, "subreaper", report,
                         "-r", "USR1:USR2", "--rewrite", "USR2:USR1")
    w.kill(signal.SIGUSR1)
    r.wait_signal(12)
    w.kill(signal.SIGUSR2)
    r.wait_signal(10)
    end_with_term(w, r)
    assert r.signals() == [12, 10, 15]


def test_rewrite_hup_to_0_drops_it(mode, spawn, report):
    w, r = start_catcher(spawn, mode, report, "-r", "HUP:0")
    w.kill(signal.SIGHUP)
    w.kill(signal.SIGUSR1)  # forwarded after the HUP was handled
    r.wait_signal(10)
    assert 1 not in r.signals()
    assert state(w.pid) not in (None, "T", "Z")
    end_with_term(w, r)
    assert r.signals() == [10, 15]


def test_shutdown_signal_rewritten_to_0_starts_nothing(mode, spawn, report):
    # With --grace 0 a shutdown would SIGKILL the child at once, so the
    # USR1 acknowledged afterwards proves none started.
    w, r = start_catcher(spawn, mode, report, "--grace", "0", "-r", "TERM:0",
                         exits=("USR2",))
    w.kill(signal.SIGTERM)
    w.kill(signal.SIGUSR1)
    r.wait_signal(10)
    assert 15 not in r.signals()
    w.kill(signal.SIGUSR2)
    assert w.wait() == 128 + 12, w.stderr()


def test_shutdown_counts_the_signal_received_not_the_rewrite(mode, spawn,
                                                           report):
    # TERM arrives as USR1 at the child, yet TERM is what ward received:
    # the shutdown starts (and --grace 0 kills the child that survives USR1).
    w, r = start_catcher(spawn, mode, report, "--grace", "0",
                         "-r", "TERM:USR1", exits=())
    w.kill(signal.SIGTERM)
    assert w.wait() == 128 + 9, w.stderr()
    assert 15 not in r.signals()


def test_signal_rewritten_to_term_starts_no_shutdown(mode, spawn, report):
    w, r = start_catcher(spawn, mode, report, "--grace", "0",
                         "-r", "USR1:TERM", exits=("USR2",))
    w.kill(signal.SIGUSR1)
    r.wait_signal(15)
    w.kill(signal.SIGHUP)
    r.wait_signal(1)  # still alive: USR1 started nothing
    w.kill(signal.SIGUSR2)
    assert w.wait() == 128 + 12, w.stderr()
    assert r.signals() == [15, 1, 12]


# --- shutdown signals -----------------------------------------------------

def test_quit_is_forwarded_but_starts_no_shutdown(mode, spawn, report):
    w, r = start_catcher(spawn, mode, report, "--grace", "0",
                         exits=("USR2",))
    w.kill(signal.SIGQUIT)
    r.wait_signal(3)
    w.kill(signal.SIGUSR1)
    r.wait_signal(10)  # with --grace 0 a shutdown would have killed it
    assert w.running()
    w.kill(signal.SIGUSR2)
    assert w.wait() == 128 + 12, w.stderr()


@pytest.mark.parametrize("signo", [signal.SIGTERM, signal.SIGINT])
def test_term_and_int_start_shutdown_by_default(mode, spawn, report, signo):
    # The child survives the signal; --grace 0 then kills it at once.
    w, r = start_catcher(spawn, mode, report, "--grace", "0", exits=())
    w.kill(signo)
    assert w.wait() == 128 + 9, w.stderr()


@pytest.mark.parametrize("how", ["flag", "env"])
def test_shutdown_signals_changes_the_set(mode, spawn, report, how):
    if how == "flag":
        w, r = start_catcher(spawn, mode, report, "--grace", "0",
                             "--shutdown-signals", "USR1,SIGHUP", exits=())
    else:
        w, r = start_catcher(spawn, mode, report, "--grace", "0", exits=(),
                             env=base_env(WARD_SHUTDOWN_SIGNALS="USR1,SIGHUP"))
    w.kill(signal.SIGTERM)
    r.wait_signal(15)
    w.kill(signal.SIGUSR2)
    r.wait_signal(12)  # TERM no longer shuts down: the child still lives
    assert w.running()
    w.kill(signal.SIGUSR1)
    assert w.wait() == 128 + 9, w.stderr()


# --- -g -------------------------------------------------------------------

def start_pgroup(spawn, mode, report, *flags, env=None):
    r = report()
    w = spawn(mode, list(flags) + [helper("pgroup"), str(r)], env=env)
    r.ward = w
    r.wait("ready")
    return w, r


@pytest.mark.parametrize("how", ["-g", "--process-group",
                                 "TINI_KILL_PROCESS_GROUP",
                                 "WARD_PROCESS_GROUP"])
def test_process_group_reaches_grandchild(mode, spawn, report, how):
    if how.startswith("-"):
        w, r = start_pgroup(spawn, mode, report, how)
    else:
        w, r = start_pgroup(spawn, mode, report, env=base_env(**{how: "1"}))
    w.kill(signal.SIGUSR1)
    r.wait("gc-died 10")  # the grandchild died of it; the child ignores it
    assert w.running()
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()


def test_without_process_group_grandchild_survives(mode, spawn, report):
    w, r = start_pgroup(spawn, mode, report)
    w.kill(signal.SIGUSR1)
    w.kill(signal.SIGUSR2)
    # The child passes USR2 on to the grandchild: a USR1 that had reached
    # it earlier would have killed it before it could answer.
    r.wait("gc-alive")
    assert not r.has(r"gc-died.*")
    w.kill(signal.SIGTERM)
    assert w.wait() == 143, w.stderr()


# --- inherited signal state -----------------------------------------------

def sig_bits(*sigs):
    return sum(1 << (s - 1) for s in sigs)


@pytest.mark.parametrize("blocked,ignored", [
    ((), ()),
    ((1, 10, 12, 15, 37), (2, 3, 13, 17, 22, 28)),
    ((17, 28, 64), (17,)),
], ids=["none", "mixed", "sigchld"])
def test_child_gets_launchers_mask_and_ignored_set(mode, spawn, report,
                                                   blocked, ignored):
    r = report()
    launcher = [helper("sigstate"), "exec",
                "-b", ",".join(map(str, blocked)) or "0",
                "-i", ",".join(map(str, ignored)) or "0", str(r)]
    # The launcher execs ward (after unshare in pid1 mode).
    w = spawn(mode, [helper("sigstate"), "report", str(r)], prefix=launcher)
    assert w.wait() == 0, w.stderr()
    got = {ln.split()[0]: ln.split(None, 1)[1] for ln in r.lines()}
    assert set(got) == {"launcher", "child"}, r.lines()
    assert got["child"] == got["launcher"]
    blk = int(got["child"].split()[1], 16)
    ign = int(got["child"].split()[3], 16)
    assert blk == sig_bits(*blocked)
    assert ign == sig_bits(*ignored)


def test_sigchld_ignored_by_launcher_does_not_stop_reaping(mode, spawn,
                                                          report):
    # ward resets SIG_IGN on SIGCHLD for itself: it still sees its child
    # exit with a status (the kernel would otherwise discard it).
    r = report()
    launcher = [helper("sigstate"), "exec", "-b", "0", "-i", "17", str(r)]
    w = spawn(mode, ["sh", "-c", "exit 7"], prefix=launcher)
    assert w.wait() == 7, w.stderr()


def test_child_gets_its_own_process_group_without_tty(mode, spawn, report):
    w, r = start_catcher(spawn, mode, report)
    (child,) = w.children()
    assert proc_stat(child)[2] == child  # pgid == pid (host view of /proc)
    assert proc_stat(w.pid)[2] != child
    end_with_term(w, r)


# --- terminals ------------------------------------------------------------

def spawn_on_tty(spawn, mode, report, *flags, exits=("TERM",)):
    master, slave = os.openpty()

    def take_tty():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    r = report()
    xs = []
    for s in exits:
        xs += ["-x", str(int(SIG["SIG" + s]))]
    w = spawn(mode, list(flags) + [helper("sigcatch"), "-t"] + xs + [str(r)],
              stdin=slave, start_new_session=True, preexec_fn=take_tty)
    os.close(slave)
    r.ward = w
    r.wait("ready")
    return w, r, master


def tty_line(r):
    line = r.wait(r"tty .*")[0].group(0)
    return {k: int(v) for k, v in
            (kv.split("=") for kv in line.split()[1:])}


def test_tty_child_is_foreground_process_group(mode, spawn, report):
    w, r, master = spawn_on_tty(spawn, mode, report)
    try:
        t = tty_line(r)
        assert t["pgrp"] == t["pid"], t  # its own process group
        assert t["fg"] == t["pgrp"], t  # ... in the foreground
        (child,) = w.children()
        assert proc_stat(w.pid)[2] != proc_stat(child)[2]  # not ward's group
        end_with_term(w, r)
    finally:
        os.close(master)


def test_tty_ctrl_c_reaches_child_not_ward(mode, spawn, report):
    w, r, master = spawn_on_tty(spawn, mode, report, "--grace", "0",
                                exits=("USR2",))
    try:
        os.write(master, b"\x03")
        r.wait_signal(2)
        w.kill(signal.SIGUSR1)
        r.wait_signal(10)  # an INT at ward would have shut down (grace 0)
        assert r.signals() == [2, 10]
        w.kill(signal.SIGUSR2)
        assert w.wait() == 128 + 12, w.stderr()
    finally:
        os.close(master)


@pytest.mark.parametrize("signo", [signal.SIGTSTP, signal.SIGTTIN,
                                   signal.SIGTTOU])
def test_tty_job_control_signals_are_forwarded_not_obeyed(mode, spawn, report,
                                                         signo):
    w, r, master = spawn_on_tty(spawn, mode, report)
    try:
        w.kill(signo)
        r.wait_signal(int(signo))
        w.kill(signal.SIGUSR1)
        r.wait_signal(10)
        assert state(w.pid) not in ("T", "t", None), "ward was stopped"
        end_with_term(w, r)
    finally:
        os.close(master)


def test_stop_and_cont_without_tty(mode, spawn, report):
    w, r = start_catcher(spawn, mode, report, exits=("TERM",))
    for s in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGCONT):
        w.kill(s)
        r.wait_signal(int(s))
        assert state(w.pid) not in ("T", "t", None), f"stopped by {s!r}"
    end_with_term(w, r)


# --- -p -------------------------------------------------------------------

def test_pdeathsig_subreaper(report, tmp_path):
    # sh starts ward in the background and exits when its stdin closes.
    r = report()
    err = tmp_path / "ward.err"
    with open(err, "wb") as e:
        sh = subprocess.Popen(
            ["sh", "-c", '"$@" & echo $!; read _; exit 0', "sh",
             WARD, "-p", "USR1", helper("sigcatch"), "-x", "15", str(r)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=e,
            env=base_env())
    ward = int(sh.stdout.readline())
    try:
        r.wait("ready")
        sh.stdin.close()
        assert sh.wait(HANG) == 0
        r.wait_signal(10)  # ward got USR1 when sh died, and forwarded it
        assert not gone(ward)
        os.kill(ward, signal.SIGTERM)
        r.wait_signal(15)
        wait_until(lambda: gone(ward), what="ward to exit")
        assert r.signals() == [10, 15]
    finally:
        sh.kill()
        sh.wait(HANG)
        sweep()


def test_pdeathsig_pid1(spawn, report):
    w, r = start_catcher(spawn, "pid1", report, "--pdeathsig", "SIGUSR1",
                         exits=("TERM",))
    ward = w.pid
    w.proc.kill()  # unshare, ward's parent
    w.proc.wait(HANG)
    r.wait_signal(10)
    os.kill(ward, signal.SIGTERM)
    r.wait_signal(15)
    wait_until(lambda: gone(ward), what="ward to exit")
