package doctor_test

import (
	"os"

	"github.com/eim-byoi/eim/internal/doctor"
)

// A report prints one row per check and, below, the fix of each failure.
func ExampleReport_WriteTable() {
	r := &doctor.Report{Findings: []doctor.Finding{
		{Target: "database", Check: "auth", Subject: "runtime eim", Status: doctor.OK},
		{Target: "database", Check: "privileges", Subject: "inv_hosts", Status: doctor.Fail, Detail: "eim lacks DELETE",
			Fix: `GRANT DELETE ON "inv_hosts" TO "eim";`},
	}}
	r.WriteTable(os.Stdout)
	// Output:
	// TARGET    CHECK       SUBJECT      STATUS  DETAIL
	// database  auth        runtime eim  OK      -
	// database  privileges  inv_hosts    FAIL    eim lacks DELETE
	//
	// 1. database privileges inv_hosts: eim lacks DELETE
	//    fix: GRANT DELETE ON "inv_hosts" TO "eim";
}
