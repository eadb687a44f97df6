/* cmd.h - the subcommands of the dateline binary. Each takes the arguments
 * after its name (argv[0] is the subcommand) and returns the process exit
 * status: 0 success, 1 failure, 2 usage error. Errors go to stderr. */
#ifndef DL_CMD_H
#define DL_CMD_H

int cmd_serve(int argc, char **argv);      /* src/web/cmd_serve.c */
int cmd_import(int argc, char **argv);     /* src/content/cmd_import.c */
int cmd_export(int argc, char **argv);     /* src/content/cmd_export.c */
int cmd_backup(int argc, char **argv);     /* src/store/cmd_backup.c */
int cmd_migrate(int argc, char **argv);    /* src/store/cmd_migrate.c */
int cmd_related(int argc, char **argv);    /* src/text/cmd_related.c */
int cmd_similarity(int argc, char **argv); /* src/text/cmd_related.c */
int cmd_sanitize(int argc, char **argv);   /* src/content/cmd_sanitize.c */
int cmd_user(int argc, char **argv);       /* src/content/cmd_user.c */
int cmd_newsletter(int argc, char **argv); /* src/mail/cmd_newsletter.c */
int cmd_search(int argc, char **argv);     /* src/search/cmd_search.c */

#endif
