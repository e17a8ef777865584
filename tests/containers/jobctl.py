"""jobctl.py: job control in `docker run -it` through a real pty.

    /usr/bin/python3 jobctl.py DOCKER RUN-ARGS...

Starts `DOCKER run -it RUN-ARGS... sh` on a new pty (the terminal a user's
docker client has) and drives busybox's interactive sh as a user would:
Ctrl-C stops a foreground sleep and the shell lives on (its $? is 130);
Ctrl-Z stops a second sleep, `bg` continues it in the background, `jobs`
shows it running; then the shell exits 7, which must be the exit status of
`docker run`. Prints what the terminal showed; exits 0 when all held.
"""
import os
import pty
import re
import select
import sys
import time

TIMEOUT = 30  # a hang, never a speed


class Term:
    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp(argv[0], argv)
        self.buf = b""

    def send(self, s):
        time.sleep(0.3)  # typed after the shell has drawn its prompt
        os.write(self.fd, s.encode())

    def expect(self, pattern, what):
        """Read until pattern matches what arrived since the last match."""
        rx = re.compile(pattern.encode())
        end = time.monotonic() + TIMEOUT
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = end - time.monotonic()
            if left <= 0:
                fail(f"{what}: no {pattern!r} in {self.buf!r}")
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    fail(f"{what}: terminal closed; got {self.buf!r}")
                # busybox sh asks where the cursor is after its prompt.
                if b"\x1b[6n" in data:
                    data = data.replace(b"\x1b[6n", b"")
                    os.write(self.fd, b"\x1b[1;5R")
                sys.stdout.write(data.decode(errors="replace"))
                sys.stdout.flush()
                self.buf += data

    def wait(self):
        end = time.monotonic() + TIMEOUT
        while time.monotonic() < end:
            try:
                r, _, _ = select.select([self.fd], [], [], 0.2)
                if r:
                    os.read(self.fd, 4096)
            except OSError:
                pass
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(st)
        fail("docker run did not exit")


def fail(msg):
    print(f"\nFAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    docker, args = sys.argv[1], sys.argv[2:]
    t = Term([docker, "run", "-it"] + args + ["sh"])
    prompt = r"# $"
    t.expect(prompt, "first prompt")
    # Ctrl-C reaches the foreground sleep, not the shell. The job says it
    # runs: sh has made it the terminal's foreground group by then.
    t.send('sh -c "echo started; exec sleep 30"\r')
    t.expect(r"\nstarted\r\n", "the first job runs")
    t.send("\x03")
    t.expect(prompt, "prompt after Ctrl-C")
    t.send("echo rc=$?\r")
    t.expect(r"rc=130", "status of the interrupted sleep")
    t.expect(prompt, "prompt")
    # Ctrl-Z stops a job; bg continues it; jobs sees it run.
    t.send('sh -c "echo started; exec sleep 31"\r')
    t.expect(r"\nstarted\r\n", "the second job runs")
    t.send("\x1a")
    t.expect(r"Stopped", "Ctrl-Z stops the job")
    t.expect(prompt, "prompt after Ctrl-Z")
    t.send("bg\r")
    t.expect(r"sleep 31", "bg names the job")
    t.expect(prompt, "prompt after bg")
    t.send("jobs\r")
    t.expect(r"Running\s+sh -c .*sleep 31", "jobs: the job runs")
    t.expect(prompt, "prompt after jobs")
    t.send("kill %1; exit 7\r")
    rc = t.wait()
    if rc != 7:
        fail(f"docker run exited {rc}, expected 7")
    print("\njobctl: Ctrl-C, Ctrl-Z, bg and the exit status all held")


main()
