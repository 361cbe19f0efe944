#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Runs every test program given on the command line through TAP::Harness
# (prove's engine) and ends with one line: "N passed, N failed" counting
# test points, plus failed programs. Exits non-zero when anything failed.
use strict;
use warnings;
use TAP::Harness;

my @tests = grep { -e $_ } @ARGV;
my @missing = grep { !-e $_ } @ARGV;
my $jobs = $ENV{MB_JOBS} // 2;
my $h = TAP::Harness->new({
    verbosity => ($ENV{MB_VERBOSE} ? 1 : 0),
    jobs      => $jobs,
    timer     => 1,
    # Each test is its own program: run it directly, whatever its language.
    exec      => sub { my ($harness, $file) = @_; return [$file]; },
});
my $agg = $h->runtests(@tests);
my ($passed, $failed) = (0, 0);
for my $t ($agg->descriptions) {
    my ($p) = $agg->parsers($t);
    $passed += scalar $p->passed - scalar $p->todo_passed;
    $failed += scalar $p->failed;
    # A program that dies or exits non-zero with no failed point still fails.
    $failed++ if ($p->exit || $p->wait) && !scalar $p->failed;
    $failed++ if !$p->tests_run && !$p->skip_all;
}
$failed += scalar @missing;
print "missing test program: $_\n" for @missing;
print "$passed passed, $failed failed\n";
exit($failed ? 1 : 0);
