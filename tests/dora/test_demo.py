from datetime import date

from dora import demo, lint, register
from dora.models import ContractRecord, FunctionRecord, Override, VendorRecord
from procurement.models import AuditEvent


def test_the_demo_register_is_complete_written_through_services_and_idempotent(demo_register):
    counts = (
        AuditEvent.objects.count(),
        VendorRecord.objects.count(),
        ContractRecord.objects.count(),
        FunctionRecord.objects.count(),
        Override.objects.count(),
    )
    assert (
        AuditEvent.objects.filter(action="dora.contract_record.create").count()
        == ContractRecord.objects.count()
    )
    demo.seed()
    assert counts == (
        AuditEvent.objects.count(),
        VendorRecord.objects.count(),
        ContractRecord.objects.count(),
        FunctionRecord.objects.count(),
        Override.objects.count(),
    )
    reg = register.build(date(2026, 12, 31))
    assert not lint.blocking(lint.lint(reg))
    assert all(reg.rows[code] for code in ("B_01.01", "B_02.02", "B_05.02", "B_06.01", "B_07.01"))
