// The examples' and benchmarks' command-line parser (examples/common/cli.h): unknown flags,
// whole-integer and finite-number checks, ranges, choices, and the messages that name the flag
// and the value. parse() throws; only parse_or_exit (main's) exits.
#include <gtest/gtest.h>

#include <sstream>

#include "common/cli.h"
#include "test_util.h"

namespace {

using joule::examples::Cli;
using joule::examples::CliError;

// A parser with the flags of a training example.
Cli training_cli() {
  Cli cli("prog", "a test program");
  joule::examples::add_recipe_flags(cli, "10", "128", "0.05");
  cli.list_flag("hidden", "256,128", "hidden widths")
      .choice_flag("method", "rigl", "the method", {"dense", "rigl"})
      .real_flag("alpha", "0.5", "a fraction", {.min = 0, .max = 1})
      .flag("name", "x", "any text");
  return cli;
}

// The CliError message that parsing `args` gives; a test failure, and "", if none.
std::string error_of(const std::vector<std::string>& args) {
  Cli cli = training_cli();
  try {
    cli.parse(args);
  } catch (const CliError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a CliError";
  return "";
}

TEST(Cli, DefaultsAndGivenValues) {
  Cli cli = training_cli();
  ASSERT_TRUE(cli.parse({"--epochs", "3", "--lr=0.1", "--no-progress", "--hidden", "64"}));
  EXPECT_EQ(cli.i64("epochs"), 3);
  EXPECT_DOUBLE_EQ(cli.f64("lr"), 0.1);
  EXPECT_EQ(cli.i64("batch"), 128);
  EXPECT_DOUBLE_EQ(cli.f64("momentum"), 0.9);
  EXPECT_TRUE(cli.on("no-progress"));
  EXPECT_EQ(cli.i64_list("hidden"), (std::vector<int64_t>{64}));
  EXPECT_EQ(cli.str("method"), "rigl");
}

TEST(Cli, HelpReturnsFalse) {
  Cli cli = training_cli();
  EXPECT_FALSE(cli.parse({"--help"}));
  EXPECT_NE(cli.usage().find("--threads 0"), std::string::npos) << cli.usage();
  EXPECT_NE(cli.usage().find("an integer >= 0 (0 = all cores)"), std::string::npos);
}

TEST(Cli, UnknownFlagIsNamed) {
  EXPECT_EQ(error_of({"--epoch", "3"}), "unknown flag '--epoch'");
  EXPECT_EQ(error_of({"--bogus=1"}), "unknown flag '--bogus'");
  EXPECT_EQ(error_of({"3"}), "unexpected argument '3' (flags start with --)");
}

TEST(Cli, MissingValueAndToggleWithValue) {
  EXPECT_EQ(error_of({"--lr"}), "--lr needs a value");
  EXPECT_EQ(error_of({"--no-progress=1"}), "--no-progress takes no value, got '--no-progress=1'");
}

TEST(Cli, IntegersMustParseWhole) {
  EXPECT_EQ(error_of({"--epochs", "12abc"}), "--epochs must be an integer, got '12abc'");
  EXPECT_EQ(error_of({"--epochs", ""}), "--epochs must be an integer, got ''");
  EXPECT_EQ(error_of({"--epochs", "1e3"}), "--epochs must be an integer, got '1e3'");
  EXPECT_EQ(error_of({"--epochs", "2.5"}), "--epochs must be an integer, got '2.5'");
  EXPECT_EQ(error_of({"--epochs", " 3"}), "--epochs must be an integer, got ' 3'");
  EXPECT_EQ(error_of({"--batch", "99999999999999999999"}),
            "--batch must be an integer, got '99999999999999999999' (out of range)");
}

TEST(Cli, IntegerRanges) {
  EXPECT_EQ(error_of({"--threads", "-3"}), "--threads must be >= 0 (0 = all cores), got -3");
  EXPECT_EQ(error_of({"--epochs", "0"}), "--epochs must be >= 1, got 0");
  EXPECT_EQ(error_of({"--epochs", "-2"}), "--epochs must be >= 1, got -2");
  EXPECT_EQ(error_of({"--batch", "0"}), "--batch must be >= 1, got 0");
  EXPECT_EQ(error_of({"--seed", "-1"}), "--seed must be >= 0, got -1");
  Cli cli = training_cli();
  EXPECT_TRUE(cli.parse({"--threads", "0", "--batch", "99999999999"}));
  EXPECT_EQ(cli.i64("batch"), 99999999999);
}

TEST(Cli, NumbersMustBeFiniteAndInRange) {
  EXPECT_EQ(error_of({"--lr", "nan"}), "--lr must be a finite number > 0, got nan");
  EXPECT_EQ(error_of({"--lr", "inf"}), "--lr must be a finite number > 0, got inf");
  EXPECT_EQ(error_of({"--lr", "-inf"}), "--lr must be a finite number > 0, got -inf");
  EXPECT_EQ(error_of({"--lr", "1e999"}), "--lr must be a finite number > 0, got 1e999");
  EXPECT_EQ(error_of({"--lr", "-1"}), "--lr must be a finite number > 0, got -1");
  EXPECT_EQ(error_of({"--lr", "0"}), "--lr must be a finite number > 0, got 0");
  EXPECT_EQ(error_of({"--lr", "fast"}), "--lr must be a finite number > 0, got 'fast'");
  EXPECT_EQ(error_of({"--lr", "0.1x"}), "--lr must be a finite number > 0, got '0.1x'");
  EXPECT_EQ(error_of({"--lr", "0x10"}), "--lr must be a finite number > 0, got '0x10'");
  EXPECT_EQ(error_of({"--momentum", "1"}), "--momentum must be a finite number in [0, 1), got 1");
  EXPECT_EQ(error_of({"--alpha", "1.5"}), "--alpha must be a finite number in [0, 1], got 1.5");
  EXPECT_EQ(error_of({"--weight-decay", "-0.1"}),
            "--weight-decay must be a finite number >= 0, got -0.1");
}

TEST(Cli, NonFiniteAllowedWhenTheFlagSaysSo) {
  Cli cli("prog", "");
  cli.real_flag("limit", "inf", "a bound", {.finite = false});
  ASSERT_TRUE(cli.parse(std::vector<std::string>{}));
  EXPECT_TRUE(std::isinf(cli.f64("limit")));
}

TEST(Cli, ListsAndChoices) {
  EXPECT_EQ(error_of({"--hidden", "256,,128"}),
            "--hidden must be comma-separated integers like 256,128, each >= 1, got '256,,128'");
  EXPECT_EQ(error_of({"--hidden", "256,0"}),
            "--hidden must be comma-separated integers like 256,128, each >= 1, got '256,0'");
  EXPECT_EQ(error_of({"--hidden", "256,"}),
            "--hidden must be comma-separated integers like 256,128, each >= 1, got '256,'");
  EXPECT_EQ(error_of({"--method", "sgd"}), "--method must be one of dense, rigl, got 'sgd'");
}

TEST(Cli, DefaultsAreCheckedToo) {
  Cli cli("prog", "");
  cli.int_flag("n", "-1", "a count", {.min = 0});
  EXPECT_THROW(cli.parse(std::vector<std::string>{}), CliError);
}

TEST(Cli, PlainFlagsAreCheckedWhenRead) {
  Cli cli = training_cli();
  ASSERT_TRUE(cli.parse({"--name", "nan"}));
  EXPECT_THROW(cli.f64("name"), CliError);
  EXPECT_THROW(cli.i64("name"), CliError);
  EXPECT_THROW(cli.str("undeclared"), joule::Error);
}

TEST(Cli, BatchLargerThanTheDataIsClampedWithAWarning) {
  Cli cli = training_cli();
  ASSERT_TRUE(cli.parse({"--batch", "99999999999"}));
  std::ostringstream warn;
  EXPECT_EQ(joule::examples::batch_size(cli, 60000, warn), 60000);
  EXPECT_EQ(warn.str(), "warning: --batch 99999999999 is larger than the 60000 training examples; "
                        "using 60000\n");
  std::ostringstream quiet;
  Cli small = training_cli();
  ASSERT_TRUE(small.parse({"--batch", "64"}));
  EXPECT_EQ(joule::examples::batch_size(small, 60000, quiet), 64);
  EXPECT_EQ(quiet.str(), "");
}

TEST(Cli, ErrorsHaveNoSourceLocationInWhat) {
  const std::string msg = error_of({"--threads", "-3"});
  EXPECT_EQ(msg.find(".cpp:"), std::string::npos) << msg;
}

}  // namespace
