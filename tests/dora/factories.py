"""Register records through the services, with values the lint passes."""

from dora import demo as dora_demo
from dora import services
from procurement import demo as procurement_demo
from resilience import demo as resilience_demo
from vendors import demo as vendors_demo


def seed_demo_register() -> None:
    """The demo vendors, contracts and workloads with the demo register of information on them."""
    procurement_demo.seed_users()
    resilience_demo.seed(vendors_demo.seed())
    dora_demo.seed()


def record_contract(actor, contract, entity, **kwargs):
    values = {
        "entities": [entity],
        "signing_entity": entity,
        "ict_service_type": "eba_TA:S08",
        "governing_law_country": "IE",
        "provision_country": "US",
        "storage_countries": ["US"],
        "processing_countries": ["US"],
        "data_sensitiveness": "eba_ZZ:x791",
        "reliance": "eba_ZZ:x795",
    }
    return services.contract_record_save(actor=actor, contract=contract, **values | kwargs)


def record_function(actor, workload, entity, identifier: str = "F1", **kwargs):
    values = {
        "identifier": identifier,
        "entity": entity,
        "licensed_activity": "eba_TA:x162",
        "critical": "eba_BT:x28",
        "criticality_reasons": "Every card payment waits for it.",
    }
    return services.function_record_save(actor=actor, workload=workload, **values | kwargs)
