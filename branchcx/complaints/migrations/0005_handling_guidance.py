"""Default handling guidance (DOMAIN.md §1 and §4: calm the emotion first, listen, explain,
look for a solution both sides accept). Head office edits it afterwards."""

from django.db import migrations

GUIDANCE = [
    (
        "general",
        "",
        "先处理情绪，再处理事情：请客户坐下、递上一杯水，称呼客户姓氏。耐心倾听，不打断、不争辩，"
        "复述客户的诉求并确认理解无误。说明投诉的处理流程和时限（15日内作出处理决定），"
        "告诉客户由谁负责、何时回复。在政策允许的范围内寻求双方都能接受的方案，不轻易承诺做不到的事。",
        "Calm the emotion before the matter: offer a seat and water, address the customer by "
        "name. Listen without interrupting or arguing, repeat the request back and confirm you "
        "understood. Explain how the complaint is handled and the deadline (a decision within "
        "15 days), who is responsible and when they will hear back. Look for a solution both "
        "sides can accept within policy; never promise what cannot be done.",
    ),
    (
        "temperament",
        "dominant",
        "支配型客户重效率、要结果：开门见山，先讲结论和可选方案，让客户自己决定；给出明确的办结时间并守时。",
        "Dominant customers want results fast: get to the point, lead with the outcome and the "
        "options, let them decide; give a firm completion time and keep it.",
    ),
    (
        "temperament",
        "expressive",
        "表达型客户重感受：多表达理解和关注，让客户把话说完；给出清晰的下一步，并在事后书面确认细节。",
        "Expressive customers want to be heard: show understanding, let them finish; give a "
        "clear next step and confirm the details in writing afterwards.",
    ),
    (
        "temperament",
        "amiable",
        "和平型客户不愿冲突，往往不把不满说透：主动询问、耐心安抚，逐步解释，不施加压力，确认客户真正满意。",
        "Amiable customers avoid conflict and may not voice all their dissatisfaction: ask, "
        "reassure, explain step by step without pressure, and check they are truly satisfied.",
    ),
    (
        "temperament",
        "analytical",
        "分析型客户重事实和依据：准备好交易明细、合同条款和收费标准，回答准确，给客户比较和考虑的时间。",
        "Analytical customers want facts and grounds: bring the transaction details, contract "
        "terms and fee schedule, answer precisely, and give them time to consider.",
    ),
    (
        "presentation",
        "calm",
        "客户情绪平稳：按流程逐项记录诉求，说明处理时限和联系方式。",
        "The customer is calm: record each request in turn, and explain the deadline and how "
        "they will be contacted.",
    ),
    (
        "presentation",
        "demanding",
        "要求型：先确认客户的要求，明确告诉客户能做什么、何时做到；做不到的要说明原因和替代方案。",
        "Demanding: acknowledge the request, say clearly what can be done and by when; where "
        "something cannot be done, say why and offer an alternative.",
    ),
    (
        "presentation",
        "confused",
        "困惑型：放慢语速，用通俗的话一步一步解释，必要时画图或举例，并请客户复述确认。",
        "Confused: slow down, explain one step at a time in plain words, use an example if "
        "needed, and ask the customer to repeat it back.",
    ),
    (
        "presentation",
        "agitated",
        "激动型：引导客户到安静的区域，先表示理解和歉意，让客户充分表达；不争辩、不推诿，"
        "情绪平复后再谈解决办法；必要时请网点负责人出面。",
        "Agitated: move to a quiet area, show understanding and apologise for the trouble, let "
        "the customer say everything; do not argue or pass the buck; talk about solutions once "
        "calm, and call the outlet manager if needed.",
    ),
    (
        "category",
        "02",
        "贷款类投诉：核对合同利率、还款计划和已收费用；涉及征信的，说明异议处理渠道和时限。",
        "Loans: check the contract rate, the repayment schedule and the fees charged; where "
        "credit reports are involved, explain how to dispute a record and how long it takes.",
    ),
    (
        "category",
        "03",
        "银行卡类投诉：调取交易流水和分期、息费明细，逐笔解释；涉及盗刷的，先协助挂失止损。",
        "Bank cards: pull the transaction history and the instalment and fee details and "
        "explain each item; for suspected fraud, help the customer block the card first.",
    ),
    (
        "category",
        "04",
        "债务催收类投诉：记录催收的时间、方式和人员，核实是否存在不当催收；立即暂停有争议的催收行为。",
        "Debt collection: record when, how and by whom the customer was contacted, check for "
        "improper collection, and stop disputed collection at once.",
    ),
    (
        "category",
        "06",
        "个人金融信息类投诉：确认信息可能泄露的范围，按规定上报；告知客户已采取的保护措施。",
        "Personal financial information: establish what may have been disclosed, report as "
        "the rules require, and tell the customer what has been done to protect them.",
    ),
    (
        "category",
        "07",
        "理财类投诉：调取风险评估、产品说明书和双录记录，核实销售是否适当；不对收益作任何承诺。",
        "Wealth management: pull the risk assessment, the product documents and the sales "
        "recording, check the sale was suitable, and make no promise about returns.",
    ),
]


def seed(apps, schema_editor):
    HandlingGuidance = apps.get_model("complaints", "HandlingGuidance")
    HandlingGuidance.objects.bulk_create(
        HandlingGuidance(topic=topic, key=key, text=text, text_en=text_en)
        for topic, key, text, text_en in GUIDANCE
    )


def unseed(apps, schema_editor):
    apps.get_model("complaints", "HandlingGuidance").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0004_guidance_attachments_permissions")]
    operations = [migrations.RunPython(seed, unseed)]
