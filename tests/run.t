#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# run.t — the test runner (tests/run.pl) cannot say green on broken output.
# Each case is a small program printing TAP (some broken on purpose) run
# through the real run.pl; the check is run.pl's exit status, its last line
# ("N passed, N failed") and the reason it gives. Broken TAP, crashes, hangs
# and unlisted skips must fail; good TAP (plan first or last, a listed skip)
# must pass. Also: distinct checks across builds, and `make test` names.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use Time::HiRes qw(time);

my $ROOT = abs_path(dirname(abs_path(__FILE__)) . '/..');
my $RUNNER = "$ROOT/tests/run.pl";
my $tmp = tempdir('mb-run-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $n = 0;
my $failed = 0;

sub ok {
    my ($cond, $name, @diag) = @_;
    $n++;
    print(($cond ? 'ok' : 'not ok') . " $n - $name\n");
    if (!$cond) {
        $failed++;
        for my $d (@diag) {
            print "# $_\n" for split /\n/, $d // '(undef)';
        }
    }
    return $cond;
}

# A fixture program: a shell script in the temporary folder.
sub fixture {
    my ($name, $body) = @_;
    my $path = "$tmp/$name";
    my ($dir) = $path =~ m{^(.*)/};
    system('mkdir', '-p', $dir);
    open my $fh, '>', $path or die "$path: $!";
    print $fh "#!/bin/sh\n$body";
    close $fh;
    chmod 0755, $path;
    return $path;
}

# Runs run.pl on the programs; returns (exit status, whole output, last line).
sub runner {
    my ($env, @progs) = @_;
    my %e = (MB_JOBS => 1, MB_TIMEOUT => 2, MB_SKIPS => "$tmp/skips.txt", MB_BUILD => "$tmp/build",
        %{$env // {}});
    my $cmd = join(' ', map { "$_='$e{$_}'" } sort keys %e) . " perl $RUNNER "
        . join(' ', map { "'$_'" } @progs) . ' 2>&1';
    my $out = `$cmd`;
    my $rc = $? >> 8;
    my ($last) = $out =~ /([^\n]*)\n?\z/;
    return ($rc, $out, $last);
}

sub fails_with {
    my ($name, $prog, $reason, $env) = @_;
    my ($rc, $out, $last) = runner($env, $prog);
    ok($rc == 1 && $last =~ /^0 passed, [1-9][0-9]* failed$|^[0-9]+ passed, [1-9][0-9]* failed$/
            && $out =~ $reason,
        "$name: fails", "exit $rc, want $reason, output:\n$out");
    return $out;
}

sub passes {
    my ($name, $prog, $want_last, $env) = @_;
    my ($rc, $out, $last) = runner($env, $prog);
    ok($rc == 0 && $last eq $want_last, "$name: passes ($want_last)", "exit $rc, output:\n$out");
    return $out;
}

open my $sk, '>', "$tmp/skips.txt" or die;
print $sk <<"EOF";
# fixture skip list
$tmp/skip_listed.t | echo yes | grep -q yes | the widget is not on this machine
$tmp/skip_all_listed.t | true | nothing to test here
$tmp/skip_cond_false.t | false | only where the condition holds
$tmp/skip_noreason.t | true | listed, but the test gives no reason
EOF
close $sk;
system('mkdir', '-p', "$tmp/build");

# ---- broken TAP and bad programs: each must fail ---------------------------

fails_with('plan 5, ran 1', fixture('plan5_ran1.t', "echo 1..5\necho ok 1\n"),
    qr/planned 5 tests but ran 1/);
fails_with('no plan, no output', fixture('empty.t', "exit 0\n"), qr/No plan found/);
fails_with('no plan: checks, then exit 0 before the plan that comes last',
    fixture('early_exit.t', "echo 'ok 1 - first'\necho 'ok 2 - second'\nexit 0\necho 1..3\n"),
    qr/No plan found/);
fails_with('plan in the middle', fixture('plan_middle.t', "echo ok 1\necho 1..2\necho ok 2\n"),
    qr/must be at the beginning or end/);
fails_with('checks out of sequence', fixture('sequence.t', "echo 1..2\necho ok 1\necho ok 1\n"),
    qr/out of sequence/);
fails_with('a failed check', fixture('not_ok.t', "echo 1..2\necho ok 1\necho 'not ok 2 - the thing'\n"
        . "echo '#   got 1, want 2'\nexit 1\n"),
    qr/not ok 2 - the thing\n.*got 1, want 2/s);
fails_with('a SKIP not in the list', fixture('skip_unlisted.t',
        "echo 1..2\necho ok 1\necho 'ok 2 # SKIP no widget'\n"), qr/does not list it/);
my $refused = fails_with('a whole-program SKIP not in the list', fixture('skip_all_unlisted.t',
        "echo '1..0 # SKIP no widget'\n"), qr/skipped \(all: no widget\) and skips\.txt does not list it/);
ok($refused =~ /^0 checks × 1 build: 0 passed, 1 failed, 0 skipped$/m,
    'a refused skip counts as a failure, not as a skip', $refused);
fails_with('a listed SKIP whose condition does not hold here', fixture('skip_cond_false.t',
        "echo 1..1\necho 'ok 1 # SKIP no widget'\n"), qr/no condition listed for it .* holds/);
fails_with('a listed SKIP that gives no reason', fixture('skip_noreason.t',
        "echo 1..1\necho 'ok 1 # SKIP'\n"), qr/without saying why/);
fails_with('a failing TODO', fixture('todo.t', "echo 1..2\necho ok 1\necho 'not ok 2 - x # TODO later'\n"),
    qr/failing TODO: not ok 2 - x # TODO later/);
fails_with('exit non-zero with every check ok', fixture('exit3.t', "echo 1..1\necho ok 1\nexit 3\n"),
    qr/exit status 3 with no failed check/);
fails_with('killed by a signal', fixture('segv.t', "echo 1..1\necho ok 1\nkill -SEGV \$\$\n"),
    qr/killed by signal 11 \(SIGSEGV\)/);
fails_with('garbage lines on stdout', fixture('garbage.t',
        "echo 1..2\necho ok 1\necho 'Segmentation fault, or so'\necho ok 2\n"),
    qr/1 line of stdout not TAP, first: "Segmentation fault, or so"/);
fails_with('Bail out!', fixture('bail.t', "echo 1..2\necho ok 1\necho 'Bail out! no database'\n"),
    qr/bailed out: Bail out! no database/);
fails_with('a program that does not exist', "$tmp/nonexistent.t", qr/no such test program/);
fails_with('a file that cannot run', do {
        my $p = fixture('noexec.t', "echo 1..1\necho ok 1\n");
        chmod 0644, $p;
        $p
    }, qr/cannot run .*noexec\.t: Permission denied/);

# A hang: the program and the child it started are both killed on timeout.
my $hang = fixture('hang.t', "echo 1..2\necho ok 1\nsleep 1000 &\necho \$! > $tmp/hang.pid\nwait\n");
my $t0 = time;
fails_with('a hang past its timeout', $hang, qr/timed out after 2 s: process group killed/);
ok(time - $t0 < 20, sprintf('the hang took %.1f s (timeout 2 s), not 1000', time - $t0));
ok(!alive(slurp("$tmp/hang.pid")), 'the hung program\'s child was killed with it');
my $stubborn = fixture('stubborn.t', "trap '' TERM\necho 1..1\nsleep 1000\n");
$t0 = time;
fails_with('a hang that ignores SIGTERM', $stubborn, qr/timed out after 2 s/);
ok(time - $t0 < 30, sprintf('then KILL: over after %.1f s', time - $t0));

# Interrupted (Ctrl-C reaches only the runner: tests are in their own groups):
# the running tests die with it.
my $slow = fixture('slow.t', "echo 1..1\nsleep 1000 &\necho \$! > $tmp/slow.pid\nwait\n");
my $pid = fork // die "fork: $!";
if (!$pid) {
    open STDOUT, '>', '/dev/null';
    open STDERR, '>', '/dev/null';
    exec 'env', "MB_SKIPS=$tmp/skips.txt", "MB_BUILD=$tmp/build", 'perl', $RUNNER, $slow;
}
for (1 .. 100) { last if -s "$tmp/slow.pid"; select(undef, undef, undef, 0.1) }
kill 'INT', $pid;
waitpid($pid, 0);
ok($? >> 8 == 130 && !alive(slurp("$tmp/slow.pid")),
    'an interrupted runner exits 130 and takes its running tests with it', "status $?");

# ---- good TAP: must pass -----------------------------------------------------

passes('plan first', fixture('plan_first.t', "echo 1..2\necho ok 1\necho 'ok 2 - two'\n"),
    '2 passed, 0 failed');
passes('plan last', fixture('plan_last.t', "echo ok 1\necho '# a comment'\necho ok 2\necho 1..2\n"),
    '2 passed, 0 failed');
my $out = passes('a listed SKIP whose condition holds (a condition with a pipe)',
    fixture('skip_listed.t', "echo 1..2\necho ok 1\necho 'ok 2 - # SKIP no widget here'\n"),
    '1 passed, 0 failed');
ok($out =~ /^2 checks × 1 build: 1 passed, 0 failed, 1 skipped$/m
        && $out =~ /skipped \(#2 no widget here\): listed in \S+skips.txt:2: the widget is not/,
    'the skip is counted apart and says why', $out);
passes('a listed whole-program SKIP', fixture('skip_all_listed.t', "echo '1..0 # SKIP no widget'\n"),
    '0 passed, 0 failed');
$out = passes('a TODO that passes', fixture('todo_pass.t', "echo 1..1\necho 'ok 1 # TODO fixed?'\n"),
    '1 passed, 0 failed');
ok($out =~ /TODO passed, remove the TODO/, 'a passing TODO is reported', $out);
my $left = fixture('leftover.t', "echo 1..1\necho ok 1\nsleep 1000 &\necho \$! > $tmp/left.pid\n");
$t0 = time;
$out = passes('a program that leaves a child holding its stdout', $left, '1 passed, 0 failed');
ok(time - $t0 < 15 && $out =~ /left processes in its group .* killed them/
        && !alive(slurp("$tmp/left.pid")),
    sprintf('its leftover is killed and said (%.1f s)', time - $t0), $out);

# ---- counting: one check in three builds, and a mix ----------------------------

my $unit = "echo 1..3\necho ok 1\necho ok 2\necho ok 3\n";
my @builds = (fixture('build/tests/unit/test_x', $unit), fixture('build/asan/tests/unit/test_x', $unit),
    fixture('build/arm64/qemu/test_x.t', $unit));
my ($rc, $all, $last) = runner({MB_JOBS => 2}, @builds, "$tmp/plan_first.t");
ok($rc == 0 && $last eq '11 passed, 0 failed'
        && $all =~ /^plain 5 runs, asan 3 runs, arm64 3 runs$/m
        && $all =~ /^5 checks × 3 builds: 11 passed, 0 failed, 0 skipped$/m,
    'distinct checks count once, runs once per build', $all);
($rc, $all, $last) = runner({}, "$tmp/plan_first.t", "$tmp/plan5_ran1.t", "$tmp/not_ok.t");
ok($rc == 1 && $last eq '4 passed, 2 failed'
        && $all =~ /Failed: 2 of 3 test programs\n.*plan5_ran1\.t: TAP: Bad plan.*\n.*not_ok\.t: 1 failed check/,
    'a mix: every failure counted and listed at the end', $all);

# ---- the real skip list: well formed, and naming tests that exist ------------------

($rc, $all, $last) = runner({MB_SKIPS => "$ROOT/tests/skips.txt"}, "$tmp/plan_first.t");
ok($rc == 0 && $all !~ /not TEST \| CONDITION \| REASON/, 'tests/skips.txt: every line parses', $all);
open my $real, '<', "$ROOT/tests/skips.txt" or die;
my @gone = grep { !-e "$ROOT/$_" && !-e "$ROOT/tests/$_.t" }
    map { /^(\S+) \| / ? $1 : () } grep { !/^\s*(#|$)/ } <$real>;
ok(!@gone, 'tests/skips.txt: every entry names a test that exists', "gone: @gone");

# ---- names for `make test` -------------------------------------------------------

my $sug = `perl $RUNNER --suggest test_stor build/tests/unit/test_store build/asan/tests/unit/test_store tests/integration/daemon.t tests/usb/daemon.t 2>&1`;
ok($? >> 8 == 2 && $sug =~ /no test named 'test_stor'/ && $sug =~ /Near names: asan\/test_store test_store\n/,
    'an unknown name lists the near ones', $sug);
my %env = %ENV;
delete @env{qw(MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES)};
local %ENV = %env;
my $mk = `make -s -C $ROOT test T=deamon 2>&1`;
ok($? != 0 && $mk =~ /no test named 'deamon'/ && $mk =~ /Near names:.*\bdaemon\b/,
    '`make test T=deamon` says so and lists daemon', $mk);

print "1..$n\n";
exit($failed ? 1 : 0);

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return '';
    local $/;
    my $s = <$fh> // '';
    chomp $s;
    return $s;
}

# A process that is gone or a zombie is not alive.
sub alive {
    my ($pid) = @_;
    return 0 unless $pid && kill 0, $pid;
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh> // '';
    return $stat !~ /^\d+ \(.*\) Z/;
}
