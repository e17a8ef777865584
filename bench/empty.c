/* empty.c: the cheapest static program, the floor of any health check. */
int
main(void)
{
	return 0;
}
