#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# run.pl — runs test programs that print TAP and says whether they passed,
# without ever saying green on output it could not trust.
#
#   MB_BUILD=$PWD/build perl tests/run.pl PROGRAM…   (what `make check` does)
#   perl tests/run.pl --suggest NAME CANDIDATE…      (`make test` with an unknown T)
#
# Each program runs in its own process group, stdin from /dev/null, MB_JOBS at
# a time (default 2). Its stdout is TAP (parsed with TAP::Parser once it has
# finished); its stderr is kept and shown when it fails (always with
# MB_VERBOSE=1, which also prints the TAP; as it comes when there is one
# test). A program FAILS on:
#   - a failed check, or a failing TODO (reported, never hidden);
#   - any TAP parse error: no plan, a wrong plan (planned 5, ran 1), a plan in
#     the middle, checks out of sequence; a line that is not TAP; "Bail out!";
#   - a non-zero exit, a death by a signal (a crash);
#   - running past its timeout (MB_TIMEOUT, default 300 s, or %TIMEOUT below):
#     its whole process group is killed (TERM, then KILL 5 s later);
#   - a skip (one check, or the whole program with "1..0 # SKIP") that
#     tests/skips.txt (MB_SKIPS) does not list for that test with a machine
#     condition that holds here, or a skip that gives no reason.
# Processes a program leaves behind in its group are killed (and said).
#
# The same check in another build (a unit test plain, under ASan+UBSan or
# under qemu-aarch64; tests/usb/usb-asan.t for usb.t) counts once as a
# distinct check and once per build as a run. The output ends with
#   plain 2,140 runs, asan 2,140, arm64 2,120
#   2,140 checks × 3 builds: 6,400 passed, 0 failed, 0 skipped
#   6400 passed, 0 failed
# (the last line is what CI reads). Exits non-zero when anything failed.
use strict;
use warnings;
use Cwd qw(abs_path getcwd);
use File::Basename qw(basename dirname);
use File::Spec;
use IO::Select;
use List::Util qw(max);
use POSIX qw(WNOHANG _exit setpgid);
use TAP::Parser;
use Time::HiRes qw(time sleep);

my $ROOT = abs_path(dirname(abs_path(__FILE__)) . '/..');
my $JOBS = $ENV{MB_JOBS} // 2;
my $VERBOSE = $ENV{MB_VERBOSE} // 0;
my $DEFAULT_TIMEOUT = $ENV{MB_TIMEOUT} // 300;
my $SKIPS_FILE = $ENV{MB_SKIPS} // "$ROOT/tests/skips.txt";
my $BUILD_DIR = $ENV{MB_BUILD} ? abs_path($ENV{MB_BUILD}) // $ENV{MB_BUILD} : undef;
my $KILL_GRACE = 5;    # seconds between TERM and KILL
my $EOF_GRACE = 2;     # seconds to wait after an exit for stdout and stderr to close

# Per-test timeouts (seconds) where the default is not enough, by test key
# (see test_key: "board/deb-chroot" for tests/board/deb-chroot.t, every build);
# a larger MB_TIMEOUT (a slow machine) wins.
# Measured on 2 loaded cores: valgrind.t 83 s, ui_valgrind.t 128 s, OCR 79 s.
my %TIMEOUT = (
    'board/deb-chroot'          => 1800,    # debootstrap of a Debian 12 root on first use
    'board/deb-boot'            => 1200,    # builds that root itself when run alone
    'fuzz/fuzz'                 => 600,     # every fuzzer for its time, one after the other
    'ocr/card_accuracy'         => 600,     # Tesseract over 76 cards
    'integration/valgrind'      => 900,     # the daemon under valgrind: 20-50x slower
    'integration/ui_valgrind'   => 900,
    'integration/card_valgrind' => 900,
    'sync/sync_valgrind'        => 900,
    'browser/a11y'              => 600,     # axe-core on 117 screens: 9 walks through the kiosk
);

if (@ARGV && $ARGV[0] eq '--suggest') {
    shift @ARGV;
    exit suggest(@ARGV);
}
$JOBS = 1 if $JOBS !~ /^[1-9][0-9]*$/;
exit main(@ARGV);

# ---- identity: which check in which build ---------------------------------

# Path shown to people: relative to the repository when inside it.
sub display_path {
    my ($p) = @_;
    my $abs = File::Spec->rel2abs($p);
    return substr($abs, length($ROOT) + 1) if index($abs, "$ROOT/") == 0;
    return $p;
}

# (key, build): the key names a test independently of its build, so that its
# runs plain, under ASan and under qemu count as one distinct test.
sub test_key {
    my ($path) = @_;
    my $abs = File::Spec->rel2abs($path);
    my $rel = $abs;
    if (defined $BUILD_DIR && index($abs, "$BUILD_DIR/") == 0) {
        $rel = substr($abs, length($BUILD_DIR) + 1);
    } elsif (index($abs, "$ROOT/") == 0) {
        $rel = substr($abs, length($ROOT) + 1);
        $rel =~ s{^build/}{};
    }
    return ("unit/$1", 'arm64') if $rel =~ m{(?:^|/)qemu/([^/]+?)\.t$};
    return ($1, 'asan') if $rel =~ m{^asan/tests/(.+?)(?:\.t)?$};
    if ($rel =~ m{^tests/(.+?)(?:\.t)?$}) {
        my $key = $1;
        return ($key, 'arm64') if $key =~ m{(?:^|/)arm64$};
        if ($key =~ s/[-_]asan$//) {
            # The ASan twin of a plain .t: same folder, else the one folder
            # that has a test of that name (tests/sync/x_asan.t → integration/x.t).
            my ($dir, $name) = $key =~ m{^(.*)/([^/]+)$};
            return ($key, 'asan') if -e "$ROOT/tests/$key.t";
            my @twins = glob("$ROOT/tests/*/$name.t");
            return (@twins == 1 ? substr($twins[0], length("$ROOT/tests/"), -2) : $key, 'asan');
        }
        return ($key, 'plain');
    }
    $rel =~ s/\.t$//;
    return ($rel, 'plain');
}

# ---- the skip list --------------------------------------------------------

# tests/skips.txt: "TEST | CONDITION | REASON" per line ('#' comments). TEST is
# a path (tests/integration/export.t) or a key (integration/export); CONDITION
# a shell command (it may hold '|': the reason is after the last " | ") that
# succeeds where the skip is legitimate.
sub read_skips {
    my @list;
    open my $fh, '<', $SKIPS_FILE or return \@list;
    while (my $line = <$fh>) {
        chomp $line;
        next if $line =~ /^\s*(#|$)/;
        my $first = index($line, ' | ');
        my $last = rindex($line, ' | ');
        if ($first < 0 || $last == $first) {
            warn "$SKIPS_FILE:$.: not TEST | CONDITION | REASON: $line\n";
            next;
        }
        push @list, {
            test => trim(substr($line, 0, $first)),
            cond => trim(substr($line, $first + 3, $last - $first - 3)),
            why  => trim(substr($line, $last + 3)),
            line => $.,
        };
    }
    return \@list;
}

sub trim { my ($s) = @_; $s =~ s/^\s+|\s+$//g; return $s }

# The entries for a test; the first whose condition holds here, or undef.
sub listed_skip {
    my ($skips, $t) = @_;
    my @mine = grep {
        my $n = $_->{test};
        $n eq $t->{show} || $n eq $t->{key} || $n eq "tests/$t->{key}.t"
    } @$skips;
    return (undef, 0) unless @mine;
    for my $s (@mine) {
        my $rc = system('timeout', '30', '/bin/sh', '-c', "exec >/dev/null 2>&1; $s->{cond}");
        return ($s, scalar @mine) if $rc == 0;
    }
    return (undef, scalar @mine);
}

# ---- running ----------------------------------------------------------------

sub main {
    my @paths = @_;
    my $skips = read_skips();
    my $times = read_times();
    my @tests;
    for my $p (@paths) {
        my ($key, $build) = test_key($p);
        push @tests, {
            path => $p, show => display_path($p), key => $key, build => $build,
            timeout => max($TIMEOUT{$key} // 0, $DEFAULT_TIMEOUT), out => '', err => '',
        };
    }
    # Longest first (times of the last run), so the slow ones do not start last.
    my @queue = $JOBS > 1
        ? sort { ($times->{$b->{show}} // 10) <=> ($times->{$a->{show}} // 10) } @tests
        : @tests;
    printf "running %d test program%s%s, timeout %s s (MB_TIMEOUT)\n", scalar @tests,
        @tests == 1 ? '' : 's', @tests > 1 ? ", $JOBS at a time (MB_JOBS)" : '', $DEFAULT_TIMEOUT;
    $| = 1;

    my (%running, %by_fh);
    my $sel = IO::Select->new;
    # The tests run in their own process groups, out of reach of the
    # terminal's Ctrl-C: on a signal (or a reader of our output gone, PIPE),
    # take them down with us.
    my $stop = sub {
        my ($sig) = @_;
        $SIG{$_} = 'IGNORE' for qw(INT TERM HUP PIPE);
        kill 'TERM', -$_->{pid} for values %running;
        sleep 1;
        kill 'KILL', -$_->{pid} for values %running;
        print STDERR "\nrun.pl: SIG$sig: the running tests were killed\n";
        _exit(130);
    };
    local @SIG{qw(INT TERM HUP PIPE)} = ($stop) x 4;

    while (@queue || %running) {
        while (@queue && keys %running < $JOBS) {
            my $t = shift @queue;
            if (!-e $t->{path}) {
                $t->{missing} = 1;
                finish($t, $skips);
                next;
            }
            start($t);
            $t->{live} = $VERBOSE && @tests == 1;    # one test: its output as it comes
            $running{$t->{pid}} = $t;
            for my $fh ($t->{out_fh}, $t->{err_fh}) {
                $sel->add($fh);
                $by_fh{fileno $fh} = $t;
            }
        }
        for my $fh ($sel->can_read(0.1)) {
            my $t = $by_fh{fileno $fh};
            my $which = $fh == $t->{out_fh} ? 'out' : 'err';
            my $n = sysread($fh, my $buf, 65536);
            if ($n) {
                $t->{$which} .= $buf;
                print $buf if $t->{live};
                next;
            }
            $sel->remove($fh);
            delete $by_fh{fileno $fh};
            close $fh;
            $t->{"${which}_eof"} = 1;
        }
        while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
            next unless $running{$pid};
            $running{$pid}{status} = $?;
            $running{$pid}{ended} = time;
        }
        my $now = time;
        for my $t (values %running) {
            if (!defined $t->{status}) {
                if (!$t->{timed_out} && $now - $t->{started} > $t->{timeout}) {
                    $t->{timed_out} = 1;
                    $t->{term_at} = $now;
                    kill 'TERM', -$t->{pid};
                } elsif ($t->{timed_out} && !$t->{killed} && $now - $t->{term_at} > $KILL_GRACE) {
                    $t->{killed} = 1;
                    kill 'KILL', -$t->{pid};
                }
                next;
            }
            # Exited: wait for its stdout and stderr to close, but not for a
            # child that kept them open.
            next unless ($t->{out_eof} && $t->{err_eof}) || $now - $t->{ended} > $EOF_GRACE;
            if (kill 0, -$t->{pid}) {
                $t->{leftovers} = 1;
                kill 'KILL', -$t->{pid};
            }
            for my $which (qw(out err)) {
                next if $t->{"${which}_eof"};    # closed already; else a leftover held it
                my $fh = $t->{"${which}_fh"};
                $sel->remove($fh);
                delete $by_fh{fileno $fh};
                close $fh;
            }
            delete $running{$t->{pid}};
            finish($t, $skips);
        }
    }
    write_times($times, \@tests);
    return summary(\@tests);
}

sub start {
    my ($t) = @_;
    pipe(my $out_r, my $out_w) or die "pipe: $!";
    pipe(my $err_r, my $err_w) or die "pipe: $!";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        setpgid(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>&', $out_w;
        open STDERR, '>&', $err_w;
        close $_ for $out_r, $err_r, $out_w, $err_w;
        my $prog = $t->{path} =~ m{/} ? $t->{path} : "./$t->{path}";    # never PATH
        { no warnings 'exec'; exec { $prog } $prog; }
        print STDERR "run.pl: cannot run $t->{path}: $!\n";
        _exit(127);
    }
    setpgid($pid, $pid);    # both sides, so a kill right away finds the group
    close $_ for $out_w, $err_w;
    @$t{qw(pid out_fh err_fh started)} = ($pid, $out_r, $err_r, time);
}

# ---- judging one program ------------------------------------------------------

sub finish {
    my ($t, $skips) = @_;
    $t->{secs} = defined $t->{started} ? ($t->{ended} // time) - $t->{started} : 0;
    my @why;    # reasons it failed, beyond failed checks
    my (@fail_lines, @skip_notes);
    my %n = (pass => 0, fail => 0, skip => 0, todo_pass => 0);
    $t->{numbers} = [];
    if ($t->{missing}) {
        push @why, 'no such test program';
    } else {
        my $p = TAP::Parser->new({tap => length $t->{out} ? $t->{out} : "\n"});
        my (@garbage, $last_failed, @skipped);
        while (my $r = $p->next) {
            if ($r->is_test) {
                push @{$t->{numbers}}, $r->number;
                $last_failed = 0;
                if ($r->has_todo) {
                    if ($r->is_actual_ok) {
                        $n{pass}++;
                        $n{todo_pass}++;
                        push @skip_notes, "TODO passed, remove the TODO: " . $r->raw;
                    } else {
                        $n{fail}++;
                        $last_failed = 1;
                        push @fail_lines, 'failing TODO: ' . $r->raw;
                    }
                } elsif ($r->has_skip && $r->is_actual_ok) {
                    $n{skip}++;
                    push @skipped, [$r->number, $r->explanation];
                } elsif ($r->is_actual_ok) {
                    $n{pass}++;
                } else {
                    $n{fail}++;
                    $last_failed = 1;
                    push @fail_lines, $r->raw;
                }
            } elsif ($r->is_comment) {
                push @fail_lines, '  ' . $r->raw if $last_failed;
            } elsif ($r->is_bailout) {
                push @why, 'bailed out: ' . $r->raw;
            } elsif ($r->is_unknown && $r->raw =~ /\S/) {
                push @garbage, $r->raw;
            }
        }
        push @why, "TAP: $_" for $p->parse_errors;
        if (@garbage) {
            my $g = $garbage[0];
            $g = substr($g, 0, 100) . '…' if length $g > 100;
            push @why, sprintf('%d line%s of stdout not TAP, first: "%s"', scalar @garbage,
                @garbage == 1 ? '' : 's', $g);
        }
        my $skip_all = $p->skip_all;
        push @skipped, [0, $skip_all] if defined $skip_all;
        $t->{skip_all} = defined $skip_all;
        if (@skipped) {
            $n{skip}++ if defined $skip_all;
            my @no_reason = grep { ($_->[1] // '') !~ /\S/ || $_->[1] eq '(no reason given)' } @skipped;
            my ($entry, $entries) = listed_skip($skips, $t);
            my $what = join('; ', map { ($_->[0] ? "#$_->[0] " : 'all: ') . ($_->[1] // '') } @skipped);
            if (@no_reason) {
                push @why, sprintf('skipped %s without saying why (a skip gives its reason)',
                    join(', ', map { $_->[0] ? "#$_->[0]" : 'everything' } @no_reason));
            } elsif ($entry) {
                $t->{skip_ok} = 1;
                push @skip_notes, "skipped ($what): listed in " . display_path($SKIPS_FILE)
                    . ":$entry->{line}: "
                    . "$entry->{why} [$entry->{cond}]";
            } elsif ($entries) {
                push @why, "skipped ($what) but no condition listed for it in "
                    . basename($SKIPS_FILE) . ' holds on this machine';
            } else {
                push @why, "skipped ($what) and " . basename($SKIPS_FILE) . ' does not list it'
                    . ' (add "TEST | CONDITION | REASON" if this machine cannot run it)';
            }
        }
        my $st = $t->{status} // 0;
        if ($t->{timed_out}) {
            push @why, sprintf('timed out after %d s: process group killed', $t->{timeout});
        } elsif ($st & 127) {
            my $sig = $st & 127;
            push @why, sprintf('killed by signal %d (%s)%s', $sig, signame($sig),
                $st & 128 ? ', core dumped' : '');
        } elsif ($st >> 8 && !$n{fail}) {
            push @why, 'exit status ' . ($st >> 8) . ' with no failed check';
        }
    }
    push @skip_notes, 'left processes in its group after it exited: killed them' if $t->{leftovers};
    $t->{n} = \%n;
    $t->{why} = \@why;
    $t->{failed} = $n{fail} || @why ? 1 : 0;
    report($t, \@fail_lines, \@skip_notes);
}

sub signame {
    my ($n) = @_;
    require Config;
    my @names = split ' ', $Config::Config{sig_name};
    return $names[$n] ? "SIG$names[$n]" : "signal $n";
}

sub report {
    my ($t, $fail_lines, $notes) = @_;
    my %n = %{$t->{n}};
    my $checks = $n{pass} + $n{fail} + ($t->{skip_all} ? 0 : $n{skip});
    my $what = $t->{skip_all} ? 'skipped'
        : sprintf('%d check%s%s', $checks, $checks == 1 ? '' : 's',
            $n{skip} ? ", $n{skip} skipped" : '');
    my $dots = '.' x (46 - length $t->{show});
    printf "%-6s %s %s %s  %.1f s\n", $t->{failed} ? 'FAIL' : 'ok', $t->{show},
        length $dots > 1 ? $dots : '..', $what, $t->{secs};
    print "       ! $_\n" for @{$t->{why}};
    print "       ! $_\n" for $n{fail} ? sprintf('%d failed check%s', $n{fail}, $n{fail} == 1 ? '' : 's') : ();
    my @fl = @$fail_lines;
    splice(@fl, 40, @fl - 40, sprintf('  … %d more lines', @fl - 40)) if @fl > 41;
    print "         $_\n" for @fl;
    print "       - $_\n" for @$notes;
    if ($VERBOSE && !$t->{live}) {
        print "       | $_\n" for split /\n/, $t->{out};
    }
    if (($t->{failed} || $VERBOSE) && !$t->{live} && length $t->{err}) {
        my @lines = split /\n/, $t->{err};
        my $cut = !$VERBOSE && @lines > 30 ? @lines - 30 : 0;
        print "       stderr", ($cut ? " (last 30 of " . @lines . " lines)" : ''), ":\n";
        print "       | $_\n" for @lines[$cut .. $#lines];
    }
}

# ---- the end ----------------------------------------------------------------

sub summary {
    my ($tests) = @_;
    my (%pass, %fail, %skip, %runs, %distinct);
    for my $t (@$tests) {
        my $b = $t->{build};
        my %n = %{$t->{n}};
        $pass{$b} += $n{pass};
        $skip{$b} += $n{skip} if $t->{skip_ok};    # a refused skip counts as a failure
        # A program that failed with no failed check (crash, bad TAP, timeout,
        # unlisted skip …) still counts one failure.
        $fail{$b} += $n{fail} + (@{$t->{why}} && !$n{fail} ? 1 : 0);
        $runs{$b} += $n{pass} + $n{fail} + ($t->{skip_all} ? 0 : $n{skip});
        $distinct{$t->{key}}{$_} = 1 for @{$t->{numbers}};
    }
    my @failed = grep { $_->{failed} } @$tests;
    if (@failed) {
        print "\nFailed: ", scalar @failed, " of ", scalar @$tests, " test programs\n";
        for my $t (@failed) {
            my @r = @{$t->{why}};
            unshift @r, "$t->{n}{fail} failed check" . ($t->{n}{fail} == 1 ? '' : 's') if $t->{n}{fail};
            print "  $t->{show}: ", join('; ', @r), "\n";
        }
    }
    my @builds = grep { exists $runs{$_} } qw(plain asan arm64);
    my $sum = sub { my ($h) = @_; my $s = 0; $s += $h->{$_} // 0 for @builds; $s };
    my ($p, $f, $s) = ($sum->(\%pass), $sum->(\%fail), $sum->(\%skip));
    my $checks = 0;
    $checks += keys %{$distinct{$_}} for keys %distinct;
    print "\n";
    print join(', ', map { sprintf '%s %s run%s', $_, commas($runs{$_}), $runs{$_} == 1 ? '' : 's' } @builds), "\n"
        if @builds > 1;
    printf "%s check%s × %d build%s: %s passed, %s failed, %s skipped\n", commas($checks),
        $checks == 1 ? '' : 's', scalar @builds, @builds == 1 ? '' : 's', commas($p), commas($f),
        commas($s);
    print "$p passed, $f failed\n";
    return $f || @failed ? 1 : 0;
}

sub commas {
    my ($n) = @_;
    1 while $n =~ s/^(\d+)(\d{3})/$1,$2/;
    return $n;
}

# Durations of the last run ($MB_BUILD/test-times), to start the slow ones first.
sub read_times {
    my %t;
    return \%t unless defined $BUILD_DIR && open my $fh, '<', "$BUILD_DIR/test-times";
    while (<$fh>) {
        $t{$2} = $1 if /^([0-9.]+)\t(.+)$/;
    }
    return \%t;
}

sub write_times {
    my ($times, $tests) = @_;
    return unless defined $BUILD_DIR && -d $BUILD_DIR;
    $times->{$_->{show}} = $_->{secs} for grep { defined $_->{started} } @$tests;
    my $tmp = "$BUILD_DIR/test-times.$$";
    open my $fh, '>', $tmp or return;
    printf $fh "%.1f\t%s\n", $times->{$_}, $_ for sort keys %$times;
    close $fh and rename $tmp, "$BUILD_DIR/test-times";
}

# ---- make test T=NAME: names ----------------------------------------------------

# The names `make test` takes for each program (Makefile: T_PATH).
sub short_name {
    my ($path) = @_;
    return "asan/$1" if $path =~ m{/asan/tests/unit/([^/]+)$};
    return $1 if $path =~ m{/tests/unit/([^/]+)$};
    return "arm64/$1" if $path =~ m{/qemu/([^/]+)\.t$};
    return "$1/$2" if $path =~ m{(?:^|/)tests/([^/]+)/([^/]+?)(?:\.t)?$} && $1 ne 'integration';
    return $1 if $path =~ m{([^/]+?)(?:\.t)?$};
    return $path;
}

sub suggest {
    my ($want, @cands) = @_;
    my %seen;
    my @names = grep { !$seen{$_}++ } map { short_name($_) } @cands;
    # Compared without folders, ".t" and the "test_" of unit tests.
    my $core = sub { my $x = lc shift; $x =~ s{^.*/}{}; $x =~ s/\.t$//; $x =~ s/^test_//; $x };
    my $w = $core->($want);
    my @near = grep {
        my $c = $core->($_);
        length $w && (index($c, $w) >= 0 || index($w, $c) >= 0
            || distance($w, $c) <= (length($w) > 6 ? 3 : length($w) > 3 ? 2 : 1))
    } @names;
    print STDERR "make test: no test named '$want'.\n";
    if (@near) {
        print STDERR "Near names: ", join(' ', sort @near), "\n";
    } else {
        my @plain = grep { !m{^(asan|arm64)/} } @names;
        print STDERR "Test names: ", join(' ', sort @plain), "\n",
            "(and asan/test_x, arm64/test_x: a unit test in that build)\n";
    }
    print STDERR "(T=test_x: tests/unit/test_x.c plain; T=asan/test_x under ASan+UBSan; "
        . "T=NAME a tests/*/NAME.t, tests/integration first; T=DIR/NAME for another folder)\n";
    return 2;
}

sub distance {    # Levenshtein
    my ($a, $b) = @_;
    my @prev = (0 .. length $b);
    for my $i (1 .. length $a) {
        my @cur = ($i);
        for my $j (1 .. length $b) {
            my $cost = substr($a, $i - 1, 1) eq substr($b, $j - 1, 1) ? 0 : 1;
            my $m = $prev[$j] + 1;
            $m = $cur[$j - 1] + 1 if $cur[$j - 1] + 1 < $m;
            $m = $prev[$j - 1] + $cost if $prev[$j - 1] + $cost < $m;
            push @cur, $m;
        }
        @prev = @cur;
    }
    return $prev[-1];
}
