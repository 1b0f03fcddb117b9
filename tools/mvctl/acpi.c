// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI for mvctl create --kernel: a "hardware-reduced" ACPI platform (ACPI
 * 6.x, section 4.1): no PM1 event/control blocks, no PM timer, no GPEs, no
 * SCI, no FACS, no legacy 8259 PIC. What the guest learns from the tables:
 *
 *   RSDP (revision 2) -> XSDT -> FADT -> DSDT
 *                             -> MADT
 *
 *   FADT  revision 6; flags HW_REDUCED_ACPI and RESET_REG_SUP; RESET_REG is
 *         port 0xcf9 (value 6), SLEEP_CONTROL_REG port 0x600 and
 *         SLEEP_STATUS_REG port 0x601, all system I/O; no PM timer (Linux
 *         gets the TSC frequency on its command line); IAPC_BOOT_ARCH says
 *         "no 8042, do not probe VGA"; the RTC's century is CMOS 0x32.
 *   DSDT  \_S5 = {5, 0, 0, 0}: writing SLP_TYP 5 with SLP_EN to the sleep
 *         control register powers off; \_SB.COM1 (PNP0501, ports
 *         0x3f8-0x3ff, IRQ 4) and \_SB.RTC (PNP0B00, ports 0x70-0x71).
 *   MADT  local APICs at 0xfee00000, one enabled entry per vCPU (ACPI
 *         processor UID = APIC id = vCPU id); the I/O APIC at 0xfec00000
 *         with GSI base 0 and id = number of vCPUs; ISA IRQ 0 -> GSI 2.
 *
 * Why the DSDT declares COM1: without a legacy PIC, Linux numbers its
 * interrupts dynamically above the I/O APIC's GSIs (there are no "ISA
 * IRQs 0-15" any more), so the 8250 driver's built-in "IRQ 4 at 0x3f8"
 * names an interrupt that does not exist. Through ACPI the driver is told
 * GSI 4 and gets the Linux IRQ that maps to it. Likewise the RTC device
 * keeps rtc_cmos from asking for the nonexistent ISA IRQ 8 (it runs
 * without one: this RTC raises no interrupts).
 *
 * The AML is assembled by hand below; `iasl -d` on a dump of the table
 * gives back the ASL in the comments.
 */
#include <stddef.h>
#include <string.h>

#include "uapi/minivisor.h"
#include "mvctl.h"

#define ACPI_OEM_ID		"MINIVI"
#define ACPI_OEM_TABLE_ID	"MVCTL   "
#define ACPI_CREATOR_ID		"MVCT"

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 2: ACPI 2.0+, has the XSDT */
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;	/* of all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

/* Generic Address Structure */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_width;
	uint64_t address;
} __attribute__((packed));

#define ACPI_GAS_SYSTEM_IO	1
#define ACPI_GAS_ACCESS_BYTE	1

struct acpi_fadt {
	struct acpi_header header;
	uint32_t facs, dsdt;
	uint8_t model, preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_facs, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT sleep");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 length");

#define FADT_BOOT_NO_VGA	(1 << 2)	/* IAPC_BOOT_ARCH; bit 1 (8042) clear */
#define FADT_RESET_REG_SUP	(1 << 10)
#define FADT_HW_REDUCED_ACPI	(1 << 20)

struct acpi_madt {
	struct acpi_header header;
	uint32_t lapic_address;
	uint32_t flags;			/* bit 0 PCAT_COMPAT: dual 8259s; clear */
} __attribute__((packed));

struct madt_lapic {
	uint8_t type, length;		/* 0, 8 */
	uint8_t processor_uid, apic_id;
	uint32_t flags;			/* bit 0: enabled */
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, length;		/* 1, 12 */
	uint8_t ioapic_id, reserved;
	uint32_t address, gsi_base;
} __attribute__((packed));

struct madt_int_override {
	uint8_t type, length;		/* 2, 10 */
	uint8_t bus, source;		/* ISA, IRQ */
	uint32_t gsi;
	uint16_t flags;			/* MPS INTI flags */
} __attribute__((packed));

#define MADT_LAPIC_ENABLED	1
#define MPS_INTI_HIGH_EDGE	0x0005	/* polarity 01 active high, trigger 01 edge */

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return -sum;
}

static void header_init(struct acpi_header *h, const char *sig, uint32_t len,
			uint8_t revision)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = revision;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = 1;
}

static void header_sum(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = checksum(h, h->length);
}

/*
 * A small AML assembler: a byte buffer, and "packages" (opcode, PkgLength,
 * contents) built from an already assembled body, since PkgLength's size
 * depends on what follows it.
 */
struct aml {
	uint8_t b[512];
	size_t len;
};

#define AML_ZERO		0x00
#define AML_ONE			0x01
#define AML_NAME		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_DWORD_PREFIX	0x0c
#define AML_SCOPE		0x10
#define AML_BUFFER		0x11
#define AML_PACKAGE		0x12
#define AML_EXT_PREFIX		0x5b
#define AML_DEVICE		0x82	/* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR		'\\'

static void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->len + n <= sizeof(a->b))
		memcpy(a->b + a->len, p, n);
	a->len += n;	/* an overflow shows as a length check failing */
}

static void aml_byte(struct aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

/* A 4-character NameSeg, "_S5_" */
static void aml_nameseg(struct aml *a, const char *seg)
{
	aml_bytes(a, seg, 4);
}

/* @op (1 or 2 bytes), PkgLength, @body. */
static void aml_package(struct aml *a, const uint8_t *op, size_t oplen,
			const struct aml *body)
{
	size_t len = body->len + 1;

	aml_bytes(a, op, oplen);
	if (len < 0x40) {
		aml_byte(a, len);
	} else {
		len++;	/* two PkgLength bytes: 4 low bits, then 8 more */
		aml_byte(a, 0x40 | (len & 0x0f));
		aml_byte(a, len >> 4);
	}
	aml_bytes(a, body->b, body->len);
}

/* Name (SEG, <the bytes of @value>) */
static void aml_name(struct aml *a, const char *seg, const void *value, size_t n)
{
	aml_byte(a, AML_NAME);
	aml_nameseg(a, seg);
	aml_bytes(a, value, n);
}

/* EisaId ("PNP0501") as a DWordConst: compressed vendor, big endian. */
static void aml_eisa_id(uint8_t out[5], const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	uint32_t v;

	v = ((id[0] - '@') << 26) | ((id[1] - '@') << 21) | ((id[2] - '@') << 16);
	for (int i = 3; i < 7; i++)
		v |= (uint32_t)(strchr(hex, id[i]) - hex) << (4 * (6 - i));
	out[0] = AML_DWORD_PREFIX;
	out[1] = v >> 24;
	out[2] = v >> 16;
	out[3] = v >> 8;
	out[4] = v;
}

/*
 * Name (_CRS, ResourceTemplate () {
 *     IO (Decode16, @port, @port, 0x01, @len)
 *     IRQNoFlags () {@irq}           (if @irq >= 0)
 * })
 */
static void aml_crs(struct aml *a, uint16_t port, uint8_t len, int irq)
{
	static const uint8_t buffer_op = AML_BUFFER;
	struct aml body = { .len = 0 }, res = { .len = 0 };
	uint8_t io[] = {
		0x47, 0x01,			/* I/O port descriptor, 16-bit decode */
		port & 0xff, port >> 8,		/* minimum */
		port & 0xff, port >> 8,		/* maximum */
		0x01, len,			/* alignment, length */
	};

	aml_bytes(&res, io, sizeof(io));
	if (irq >= 0) {
		uint8_t desc[] = { 0x22, (1u << irq) & 0xff, (1u << irq) >> 8 };

		aml_bytes(&res, desc, sizeof(desc));	/* IRQ, edge high */
	}
	aml_byte(&res, 0x79);		/* end tag */
	aml_byte(&res, 0x00);		/* checksum 0: "treat as summed" */

	aml_byte(&body, AML_BYTE_PREFIX);
	aml_byte(&body, res.len);
	aml_bytes(&body, res.b, res.len);

	aml_byte(a, AML_NAME);
	aml_nameseg(a, "_CRS");
	aml_package(a, &buffer_op, 1, &body);
}

/* Device (@name) { Name (_HID, EisaId (@hid)) Name (_UID, One) _CRS } */
static void aml_isa_device(struct aml *a, const char *name, const char *hid,
			   uint16_t port, uint8_t len, int irq)
{
	static const uint8_t device_op[] = { AML_EXT_PREFIX, AML_DEVICE };
	static const uint8_t one = AML_ONE;
	struct aml dev = { .len = 0 };
	uint8_t eisa[5];

	aml_nameseg(&dev, name);
	aml_eisa_id(eisa, hid);
	aml_name(&dev, "_HID", eisa, sizeof(eisa));
	aml_name(&dev, "_UID", &one, 1);
	aml_crs(&dev, port, len, irq);
	aml_package(a, device_op, sizeof(device_op), &dev);
}

/*
 * DefinitionBlock ("", "DSDT", 2, "MINIVI", "MVCTL   ", 1) {
 *     Name (_S5, Package () {5, 0, 0, 0})
 *     Scope (\_SB) {
 *         Device (COM1) { ... PNP0501, IO 0x3f8/8, IRQNoFlags {4} }
 *         Device (RTC_) { ... PNP0B00, IO 0x70/2 }
 *     }
 * }
 */
static void build_dsdt_aml(struct aml *a)
{
	static const uint8_t package_op = AML_PACKAGE, scope_op = AML_SCOPE;
	static const uint8_t s5[] = {
		4,				/* NumElements */
		AML_BYTE_PREFIX, MVCTL_SLP_TYP_S5,	/* SLP_TYPa */
		AML_ZERO, AML_ZERO, AML_ZERO,	/* SLP_TYPb, reserved */
	};
	struct aml pkg = { .len = 0 }, sb = { .len = 0 };

	aml_bytes(&pkg, s5, sizeof(s5));
	aml_byte(a, AML_NAME);
	aml_nameseg(a, "_S5_");
	aml_package(a, &package_op, 1, &pkg);

	aml_byte(&sb, AML_ROOT_CHAR);
	aml_nameseg(&sb, "_SB_");
	aml_isa_device(&sb, "COM1", "PNP0501", MVCTL_SERIAL_BASE, 8, MVCTL_SERIAL_GSI);
	aml_isa_device(&sb, "RTC_", "PNP0B00", MVCTL_RTC_INDEX, 2, -1);
	aml_package(a, &scope_op, 1, &sb);
}

/* Bump allocator in the ACPI area, 16-byte aligned. */
static uint64_t acpi_alloc(uint64_t *next, size_t len)
{
	uint64_t at = *next;

	*next = (at + len + 15) & ~15ull;
	return at;
}

static void gas_io8(struct acpi_gas *g, uint16_t port)
{
	g->space_id = ACPI_GAS_SYSTEM_IO;
	g->bit_width = 8;
	g->bit_offset = 0;
	g->access_width = ACPI_GAS_ACCESS_BYTE;
	g->address = port;
}

uint64_t mvctl_acpi_build(uint8_t *mem, unsigned int nr_cpus)
{
	uint64_t next = MVCTL_ACPI_BASE, rsdp_at, xsdt_at, fadt_at, dsdt_at, madt_at;
	size_t xsdt_len = sizeof(struct acpi_header) + 2 * sizeof(uint64_t);
	size_t madt_len = sizeof(struct acpi_madt) + nr_cpus * sizeof(struct madt_lapic) +
			  sizeof(struct madt_ioapic) + sizeof(struct madt_int_override);
	struct acpi_rsdp *rsdp;
	struct acpi_header *xsdt, *dsdt;
	struct acpi_fadt *fadt;
	struct acpi_madt *madt;
	struct madt_ioapic *ioapic;
	struct madt_int_override *iso;
	struct aml aml = { .len = 0 };
	uint64_t *entries;
	uint8_t *p;

	build_dsdt_aml(&aml);
	rsdp_at = acpi_alloc(&next, sizeof(*rsdp));
	xsdt_at = acpi_alloc(&next, xsdt_len);
	fadt_at = acpi_alloc(&next, sizeof(*fadt));
	dsdt_at = acpi_alloc(&next, sizeof(*dsdt) + aml.len);
	madt_at = acpi_alloc(&next, madt_len);
	memset(mem + MVCTL_ACPI_BASE, 0, next - MVCTL_ACPI_BASE);

	/* DSDT: a header and the AML */
	dsdt = (struct acpi_header *)(mem + dsdt_at);
	header_init(dsdt, "DSDT", sizeof(*dsdt) + aml.len, 2);
	memcpy(dsdt + 1, aml.b, aml.len);
	header_sum(dsdt);

	/* FADT */
	fadt = (struct acpi_fadt *)(mem + fadt_at);
	header_init(&fadt->header, "FACP", sizeof(*fadt), 6);
	fadt->minor_version = 0;
	fadt->flags = FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP;
	fadt->iapc_boot_arch = FADT_BOOT_NO_VGA;
	fadt->century = MVCTL_RTC_CENTURY;
	gas_io8(&fadt->reset_reg, MVCTL_RESET_PORT);
	fadt->reset_value = MVCTL_RESET_VALUE;
	gas_io8(&fadt->sleep_control_reg, MVCTL_PM_SLEEP_CONTROL);
	gas_io8(&fadt->sleep_status_reg, MVCTL_PM_SLEEP_STATUS);
	fadt->x_dsdt = dsdt_at;
	memcpy(&fadt->hypervisor_vendor_id, "Minivsr", 8);
	header_sum(&fadt->header);

	/* MADT */
	madt = (struct acpi_madt *)(mem + madt_at);
	header_init(&madt->header, "APIC", madt_len, 4);
	madt->lapic_address = (uint32_t)MV_LAPIC_BASE;
	madt->flags = 0;
	p = (uint8_t *)(madt + 1);
	for (unsigned int i = 0; i < nr_cpus; i++) {
		struct madt_lapic *lapic = (struct madt_lapic *)p;

		lapic->type = 0;
		lapic->length = sizeof(*lapic);
		lapic->processor_uid = i;
		lapic->apic_id = i;
		lapic->flags = MADT_LAPIC_ENABLED;
		p += sizeof(*lapic);
	}
	ioapic = (struct madt_ioapic *)p;
	ioapic->type = 1;
	ioapic->length = sizeof(*ioapic);
	ioapic->ioapic_id = nr_cpus;
	ioapic->address = (uint32_t)MV_IOAPIC_BASE;
	ioapic->gsi_base = 0;
	iso = (struct madt_int_override *)(ioapic + 1);
	iso->type = 2;
	iso->length = sizeof(*iso);
	iso->bus = 0;
	iso->source = 0;
	iso->gsi = 2;
	iso->flags = MPS_INTI_HIGH_EDGE;
	header_sum(&madt->header);

	/* XSDT: the FADT and the MADT (the DSDT hangs off the FADT) */
	xsdt = (struct acpi_header *)(mem + xsdt_at);
	header_init(xsdt, "XSDT", xsdt_len, 1);
	entries = (uint64_t *)(xsdt + 1);
	entries[0] = fadt_at;
	entries[1] = madt_at;
	header_sum(xsdt);

	/* RSDP, 16-byte aligned in 0xe0000-0xfffff where the kernel scans */
	rsdp = (struct acpi_rsdp *)(mem + rsdp_at);
	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, ACPI_OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->rsdt_address = 0;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = xsdt_at;
	rsdp->checksum = checksum(rsdp, 20);
	rsdp->extended_checksum = checksum(rsdp, sizeof(*rsdp));
	return rsdp_at;
}

bool mvctl_power_io(struct mvctl_power *p, uint16_t port, bool in, uint8_t *data,
		    unsigned int size, enum mvctl_power_event *event)
{
	uint8_t v = data[0];

	*event = MVCTL_POWER_NONE;
	switch (port) {
	case MVCTL_PM_SLEEP_CONTROL:
		/* SLP_TYP in bits 2-4, SLP_EN bit 5: only S5 is offered */
		if (in)
			memset(data, 0, size);
		else if ((v & 0x20) && ((v >> 2) & 7) == MVCTL_SLP_TYP_S5)
			*event = MVCTL_POWER_OFF;
		return true;
	case MVCTL_PM_SLEEP_STATUS:
		/* WAK_STS (bit 7) never sets: nobody wakes a powered-off VM */
		if (in)
			memset(data, 0, size);
		return true;
	case MVCTL_RESET_PORT:
		if (size != 1)
			return false;	/* 0xcf8 as a dword is PCI's; not here */
		if (in) {
			data[0] = p->rst_cnt;
		} else {
			/* RST_CPU (bit 2) going to 1 resets; SYS_RST, FULL_RST kept */
			if (v & 0x04)
				*event = MVCTL_POWER_RESET;
			p->rst_cnt = v & 0x0a;
		}
		return true;
	case MVCTL_KBC_PORT:
		/* Only the 8042's "pulse reset line" command; no controller */
		if (in || v != 0xfe)
			return false;
		*event = MVCTL_POWER_RESET;
		return true;
	}
	return false;
}
