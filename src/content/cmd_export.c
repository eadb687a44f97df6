/* placeholder until its module lands */
#include <stdio.h>
#include "cmd.h"
int
cmd_export(int argc, char **argv)
{
	fprintf(stderr, "dateline: %s is not built yet\n", argv[0]);
	return 1;
}
