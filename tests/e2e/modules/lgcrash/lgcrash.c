// SPDX-License-Identifier: GPL-2.0
/*
 * lgcrash: a third-party module for lastgood's end-to-end tests.
 *
 * LGCRASH_GOOD (default): loads quietly; the last known good version.
 * LGCRASH_GOOD2: as good, another version: an innocent third-party change.
 * LGCRASH_BAD:  panics in its init, the "bad update" of a crash loop.
 * LGCRASH_OOPS: dereferences NULL in its init, so the oops trace (and the
 *               pstore crash log) names [lgcrash] as the culprit.
 * LGCRASH_HANG: spins for ever in its init with preemption off: a soft
 *               lockup of one CPU that never ends the boot by itself.
 *
 * Every variant takes crash=1 (e.g. "options lgcrash crash=1" in
 * /etc/modprobe.d): it then panics in its init although its file did not
 * change -- a crash caused by something outside lastgood's inventory.
 * Built as LGCRASH_NAME=lgother, the same source is a second module whose
 * messages say lgother.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>

static bool crash;
module_param(crash, bool, 0444);
MODULE_PARM_DESC(crash, "panic in init whatever the variant");

#if defined(LGCRASH_OOPS)
#define LGCRASH_FLAVOUR "oops"
/* volatile: the compiler must not prove the pointer NULL and drop the load. */
static int *volatile lgcrash_ptr;

static noinline int lgcrash_fault(void)
{
	return *lgcrash_ptr;
}
#elif defined(LGCRASH_BAD)
#define LGCRASH_FLAVOUR "bad"
#elif defined(LGCRASH_HANG)
#define LGCRASH_FLAVOUR "hang"
#include <linux/preempt.h>
#include <asm/processor.h>
#elif defined(LGCRASH_GOOD2)
#define LGCRASH_FLAVOUR "good2"
#else
#define LGCRASH_FLAVOUR "good"
#endif

static int __init lgcrash_init(void)
{
	pr_info(KBUILD_MODNAME ": version %s loading\n", LGCRASH_FLAVOUR);
	if (crash)
		panic(KBUILD_MODNAME ": crash=1, panicking at load");
#if defined(LGCRASH_OOPS)
	pr_info(KBUILD_MODNAME ": bad update, dereferencing NULL\n");
	return lgcrash_fault();
#elif defined(LGCRASH_BAD)
	panic(KBUILD_MODNAME ": bad update");
#elif defined(LGCRASH_HANG)
	pr_info(KBUILD_MODNAME ": bad update, spinning with preemption off\n");
	preempt_disable();
	for (;;)
		cpu_relax();
#endif
	return 0;
}

static void __exit lgcrash_exit(void)
{
	pr_info(KBUILD_MODNAME ": unloaded\n");
}

module_init(lgcrash_init);
module_exit(lgcrash_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lastgood end-to-end test module (" LGCRASH_FLAVOUR ")");
MODULE_VERSION(LGCRASH_FLAVOUR);
