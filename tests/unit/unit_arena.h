/* unit_arena.h - the fixture of the unit tests that share one arena, `ar`:
 * made by arena_setup, freed by arena_teardown (cmocka group setup and
 * teardown: cmocka_run_group_tests(tests, arena_setup, arena_teardown)).
 * Include it once, in the test program's only .c file, after cmocka.h. */
#ifndef DL_UNIT_ARENA_H
#define DL_UNIT_ARENA_H

#include "base/arena.h"

static struct arena *ar;

static int
arena_setup(void **state)
{
	ar = arena_new(1 << 20);
	return ar ? 0 : -1;
}

static int
arena_teardown(void **state)
{
	arena_free(ar);
	return 0;
}

#endif
