/* test_stats.c: unit tests for the matrix's median / min / max summary. */
#include <criterion/criterion.h>

#include "bench_stats.h"

Test(stats, odd_count_median_is_the_middle_value)
{
    const double v[] = {5, 1, 9, 3, 7};
    zb_summary s = zb_summarize(v, 5);
    cr_assert_float_eq(s.median, 5, 1e-12);
    cr_assert_float_eq(s.min, 1, 1e-12);
    cr_assert_float_eq(s.max, 9, 1e-12);
    cr_assert_float_eq(v[0], 5, 1e-12, "input must not be reordered");
}

Test(stats, even_count_median_is_the_mean_of_the_middle_two)
{
    const double v[] = {4, 1, 3, 2};
    zb_summary s = zb_summarize(v, 4);
    cr_assert_float_eq(s.median, 2.5, 1e-12);
}

Test(stats, single_and_empty)
{
    const double v[] = {42};
    zb_summary s = zb_summarize(v, 1);
    cr_assert_float_eq(s.median, 42, 1e-12);
    cr_assert_float_eq(s.min, 42, 1e-12);
    s = zb_summarize(v, 0);
    cr_assert_float_eq(s.median, 0, 1e-12);
    cr_assert_float_eq(s.max, 0, 1e-12);
}
