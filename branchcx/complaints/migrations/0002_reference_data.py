"""JR/T 0169-2018 classification codes (reconstructed from public summaries; head office
corrects them against the standard), the credit-card sub-reasons, and default internal
service targets."""

from django.db import migrations

CODES = {
    "channel": [
        ("01", "营业网点", "Branch counter"),
        ("02", "自助设备", "Self-service machine"),
        ("03", "网上银行", "Online banking"),
        ("04", "手机银行", "Mobile banking"),
        ("05", "电话银行及客服热线", "Phone banking and hotline"),
        ("06", "微信银行等社交渠道", "WeChat and social channels"),
        ("07", "第三方合作渠道", "Third-party partner"),
        ("99", "其他渠道", "Other channel"),
    ],
    "business": [
        ("01", "人民币储蓄", "RMB savings"),
        ("02", "贷款", "Loans"),
        ("03", "银行卡", "Bank cards"),
        ("04", "债务催收", "Debt collection"),
        ("05", "支付结算", "Payment and settlement"),
        ("06", "个人金融信息", "Personal financial information"),
        ("07", "自营理财", "Own wealth-management products"),
        ("08", "银行代理业务", "Agency business"),
        ("09", "贵金属", "Precious metals"),
        ("10", "外汇", "Foreign exchange"),
        ("11", "人民币管理", "RMB cash management"),
        ("12", "国库", "Treasury"),
        ("13", "其他中间业务", "Other intermediary business"),
        ("99", "其他", "Other"),
    ],
    "cause": [
        ("01", "服务态度及服务质量", "Service attitude and quality"),
        ("02", "服务设施设备业务系统", "Facilities, equipment and systems"),
        ("03", "管理制度业务规则与流程", "Rules, policies and processes"),
        ("04", "营销方式和手段", "Marketing methods"),
        ("05", "信息披露", "Disclosure"),
        ("06", "自主选择权", "Freedom of choice"),
        ("07", "定价收费", "Pricing and fees"),
        ("08", "产品收益", "Product returns"),
        ("09", "合同条款", "Contract terms"),
        ("10", "资金安全", "Safety of funds"),
        ("11", "消费者信息安全", "Consumer information security"),
        ("12", "债务催收方式和手段", "Debt collection methods"),
        ("99", "其他", "Other"),
    ],
    "card_reason": [
        ("01", "征信", "Credit reporting"),
        ("02", "息费", "Interest and fees"),
        ("03", "分期", "Instalments"),
        ("04", "催收", "Collection"),
    ],
}


# A starting root-cause tree (code, name, parent code); head office refines it.
ROOT_CAUSES = [
    ("P", "制度与流程", None),
    ("P01", "流程设计不合理", "P"),
    ("P02", "制度未执行到位", "P"),
    ("S", "人员与服务", None),
    ("S01", "服务态度", "S"),
    ("S02", "业务能力不足", "S"),
    ("S03", "告知与解释不充分", "S"),
    ("T", "系统与设备", None),
    ("T01", "系统故障", "T"),
    ("T02", "自助设备故障", "T"),
    ("M", "产品与营销", None),
    ("M01", "产品设计或定价", "M"),
    ("M02", "销售适当性", "M"),
    ("X", "外部因素", None),
    ("X01", "第三方合作机构", "X"),
    ("X02", "客户误解，无银行过错", "X"),
]
# The bank's internal service targets by priority, in working hours (editable).
SERVICE_TARGETS = [("normal", 8, 40), ("high", 4, 24), ("urgent", 2, 8)]


def load(apps, schema_editor):
    target = apps.get_model("complaints", "ServiceTarget")
    for priority, respond, resolve in SERVICE_TARGETS:
        target.objects.get_or_create(
            priority=priority,
            defaults={"first_response_hours": respond, "resolution_hours": resolve},
        )
    cause = apps.get_model("complaints", "RootCause")
    for code, name, parent in ROOT_CAUSES:
        cause.objects.get_or_create(
            code=code,
            defaults={"name": name, "parent": cause.objects.get(code=parent) if parent else None},
        )
    classification = apps.get_model("complaints", "Classification")
    for axis, codes in CODES.items():
        for order, (code, name, name_en) in enumerate(codes, start=1):
            classification.objects.get_or_create(
                axis=axis,
                code=code,
                defaults={"name": name, "name_en": name_en, "sort_order": order * 10},
            )


def unload(apps, schema_editor):
    apps.get_model("complaints", "Classification").objects.all().delete()
    apps.get_model("complaints", "ServiceTarget").objects.all().delete()
    root_cause = apps.get_model("complaints", "RootCause")
    root_cause.objects.filter(parent__isnull=False).delete()
    root_cause.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_complaints")]
    operations = [migrations.RunPython(load, unload)]
