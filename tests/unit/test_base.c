/* test_base.c - capped buffers and arenas. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "base/arena.h"
#include "base/buf.h"

static void
test_buf_cap(void **state)
{
	struct buf b = BUF_INIT(10);
	char *p;

	(void)state;
	assert_int_equal(buf_puts(&b, "hello"), DL_OK);
	assert_int_equal(buf_putc(&b, ' '), DL_OK);
	assert_int_equal(buf_puts(&b, "world"), DL_ERR_TOOBIG);
	assert_string_equal(b.data, "hello ");   /* unchanged after a failed append */
	assert_int_equal(b.len, 6);
	assert_int_equal(buf_append(&b, "abcd", 4), DL_OK);   /* exactly at the cap */
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_putc(&b, 'x'), DL_ERR_TOOBIG);
	assert_int_equal(buf_printf(&b, "%d", 1), DL_ERR_TOOBIG);
	assert_string_equal(b.data, "hello abcd");
	assert_int_equal(buf_append(&b, "", 0), DL_OK);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX), DL_ERR_TOOBIG);   /* no overflow */
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_puts(&b, "again"), DL_OK);
	p = buf_detach(&b);
	assert_string_equal(p, "again");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(p);
	p = buf_detach(&b);   /* an empty buffer detaches as "" */
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	buf_free(&b);
}

static void
test_buf_printf_growth(void **state)
{
	struct buf b = BUF_INIT(1 << 20);
	char big[5000];
	int i;

	(void)state;
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(buf_printf(&b, "[%s]", big), DL_OK);   /* past the first 256-byte block */
	assert_int_equal(b.len, sizeof big + 1);
	assert_int_equal(b.data[0], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(b.data[b.len], '\0');
	buf_reset(&b);
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i), DL_OK);
	assert_true(b.cap > b.len);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	assert_non_null(strstr(b.data, ",9999,"));
	buf_free(&b);

	/* printf that does not fit leaves the buffer as it was. */
	struct buf s = BUF_INIT(8);
	assert_int_equal(buf_printf(&s, "%s", "abc"), DL_OK);
	assert_int_equal(buf_printf(&s, "%s", "defghi"), DL_ERR_TOOBIG);
	assert_string_equal(s.data, "abc");
	assert_int_equal(buf_printf(&s, "%s", "defgh"), DL_OK);
	assert_string_equal(s.data, "abcdefgh");
	buf_free(&s);
}

static void
test_arena(void **state)
{
	struct arena *a = arena_new(64 * 1024);
	char *s, *t;
	size_t i;
	unsigned char *z;

	(void)state;
	assert_non_null(a);
	s = arena_strdup(a, "hello");
	assert_string_equal(s, "hello");
	t = arena_strndup(a, "world!", 5);
	assert_string_equal(t, "world");
	assert_string_equal(arena_printf(a, "%s-%d", "n", 42), "n-42");
	assert_null(arena_strdup(a, NULL));
	z = arena_alloc(a, 100);
	assert_non_null(z);
	assert_true(((uintptr_t)z % 16) == 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(z[i], 0);
	assert_true(arena_used(a) >= 100);
	/* Allocations past the cap fail cleanly, earlier ones stay valid. */
	assert_null(arena_alloc(a, 65 * 1024));
	assert_null(arena_alloc(a, SIZE_MAX));
	for (i = 0; i < 1000 && arena_alloc(a, 1000); i++)
		;
	assert_true(i < 1000);
	assert_true(arena_used(a) <= 64 * 1024);
	assert_null(arena_printf(a, "%01000d", 0));
	assert_string_equal(s, "hello");
	arena_free(a);
	arena_free(NULL);

	/* Big single allocations get their own chunks. */
	a = arena_new(1 << 20);
	z = arena_alloc(a, 200 * 1024);
	assert_non_null(z);
	memset(z, 1, 200 * 1024);
	assert_non_null(arena_alloc(a, 10));
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_printf_growth),
		cmocka_unit_test(test_arena),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
