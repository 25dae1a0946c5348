"""Starting reference data: the tier ladder, a product catalogue and need/preference tags.

Banks adjust all three to their own policy (they are ordinary rows). Thresholds follow common
practice of Chinese retail banks: private banking from CNY 6 million of assets.
"""

from decimal import Decimal

from django.db import migrations

TIERS = [
    ("standard", "普通客户", "0", "基础服务与定期关怀，保持活跃。"),
    ("gold", "金卡客户", "50000", "积分与优惠提升交易频次，定期产品推荐。"),
    ("platinum", "白金客户", "500000", "专属客户经理，定期资产检视。"),
    ("diamond", "钻石客户", "2000000", "一对一资产配置建议，定制维护计划。"),
    ("private", "私人银行客户", "6000000", "私人银行家服务，家族财富与专属权益。"),
]
PRODUCTS = [
    ("demand-cny", "人民币活期存款", "demand_deposit"),
    ("time-3m", "三个月定期存款", "time_deposit"),
    ("time-1y", "一年期定期存款", "time_deposit"),
    ("time-3y", "三年期定期存款", "time_deposit"),
    ("large-cd", "大额存单", "time_deposit"),
    ("wm-fixed", "固定收益类理财", "wealth"),
    ("wm-cash", "现金管理类理财", "wealth"),
    ("fund-bond", "债券型基金", "fund"),
    ("fund-equity", "股票型基金", "fund"),
    ("ins-annuity", "年金保险（代理）", "insurance"),
    ("ins-life", "终身寿险（代理）", "insurance"),
    ("gold-acc", "积存金", "precious_metal"),
    ("loan-mortgage", "个人住房贷款", "loan"),
    ("loan-consumer", "个人消费贷款", "loan"),
    ("loan-business", "个人经营贷款", "loan"),
    ("card-debit", "借记卡", "debit_card"),
    ("card-credit", "信用卡", "credit_card"),
]
TAGS = [
    ("edu-planning", "子女教育", "need"),
    ("retirement", "养老规划", "need"),
    ("home-purchase", "购房需求", "need"),
    ("wealth-growth", "财富增值", "need"),
    ("cross-border", "跨境金融", "need"),
    ("business-owner", "经营资金", "need"),
    ("low-risk", "偏好稳健", "preference"),
    ("digital-first", "偏好线上渠道", "preference"),
    ("counter-first", "偏好柜面办理", "preference"),
    ("no-calls", "不接受电话营销", "preference"),
    ("salon", "理财沙龙", "interest"),
    ("health", "健康养生", "interest"),
    ("elderly", "老年客户关怀", "service"),
    ("accessibility", "无障碍服务", "service"),
]


def load(apps, schema_editor):
    tier = apps.get_model("customers", "TierLevel")
    product = apps.get_model("customers", "Product")
    tag = apps.get_model("customers", "Tag")
    for code, name, minimum, strategy in TIERS:
        tier.objects.get_or_create(
            code=code,
            defaults={"name": name, "min_aum": Decimal(minimum), "service_strategy": strategy},
        )
    for code, name, category in PRODUCTS:
        product.objects.get_or_create(code=code, defaults={"name": name, "category": category})
    for code, name, category in TAGS:
        tag.objects.get_or_create(code=code, defaults={"name": name, "category": category})


def unload(apps, schema_editor):
    apps.get_model("customers", "Tag").objects.filter(code__in=[t[0] for t in TAGS]).delete()
    apps.get_model("customers", "Product").objects.filter(
        code__in=[p[0] for p in PRODUCTS]
    ).delete()
    apps.get_model("customers", "TierLevel").objects.filter(
        code__in=[t[0] for t in TIERS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_customer_360")]
    operations = [migrations.RunPython(load, unload)]
