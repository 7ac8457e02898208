"""Write the demo replay payloads of the tariff feeds, deterministically, in each feed's native format.

    python -m regime_radar.demo.generate_tariffs [--out DIR]

Writes under `<out>/` (default: the package's demo/replay/):

    federal_register/documents/<query>/page-<NNN>.json   Federal Register API v1 result pages
    federal_register/full_text/<document_number>.txt     raw text of each document worth reading
    whitehouse_actions/<feed>/page-<NNN>.xml             White House RSS 2.0 feed pages
    tpu/tpu_web_latest.xlsx                              Caldara–Iacoviello workbook (TPU_DAILY, TPU_MONTHLY)
    epu_trade/observations/EPUTRADE.json                 FRED series/observations JSON

The orders' numbers, titles, dates, rates and effective times are the public facts of early 2025;
their texts are our own abbreviated wording in the structure of the real documents. Everything
else (negatives' document numbers, posting times, index values) is synthetic; each feed's README.md
says which is which. Running the script twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import re
import textwrap
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from regime_radar.config import DEMO_REPLAY_DIR

FR_BASE = "https://www.federalregister.gov"
WH_BASE = "https://www.whitehouse.gov"
RECORDED_AT = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
ZIP_TIME = (2025, 3, 10, 12, 0, 0)
FR_PAGE_SIZE = 4
WH_PAGE_SIZE = 10
SEED = 20250201
NEXT_PAGE_QUERY = {
    "presidential": "conditions%5Bpresidential_document_type%5D%5B%5D=executive_order"
    "&conditions%5Bpublication_date%5D%5Bgte%5D=2024-12-02&conditions%5Bpublication_date%5D%5Blte%5D=2025-02-28"
    "&conditions%5Btype%5D%5B%5D=PRESDOCU&order=oldest&per_page=4",
    "trade_notices": "conditions%5Bterm%5D=tariff&conditions%5Bpublication_date%5D%5Bgte%5D=2024-12-02"
    "&conditions%5Bpublication_date%5D%5Blte%5D=2025-02-28&order=oldest&per_page=4",
}

IEEPA_AUTHORITY = (
    "By the authority vested in me as President by the Constitution and the laws of the United States of "
    "America, including the International Emergency Economic Powers Act (50 U.S.C. 1701 et seq.) (IEEPA), "
    "the National Emergencies Act (50 U.S.C. 1601 et seq.), section 604 of the Trade Act of 1974, as "
    "amended (19 U.S.C. 2483), and section 301 of title 3, United States Code, it is hereby ordered:"
)
GENERAL_PROVISIONS = [
    "Sec. {n}. General Provisions. (a) Nothing in this order shall be construed to impair or otherwise "
    "affect the authority granted by law to an executive department or agency, or the head thereof.",
    "(b) This order shall be implemented consistent with applicable law and subject to the availability "
    "of appropriations.",
    "(c) This order is not intended to, and does not, create any right or benefit, substantive or "
    "procedural, enforceable at law or in equity by any party against the United States, its "
    "departments, agencies, or entities, its officers, employees, or agents, or any other person.",
]


@dataclass
class Doc:
    """One document of the demo, with its Federal Register and White House appearances."""

    title: str
    paragraphs: list[str]
    signed: date | None = None
    kind: str = "Executive Order"  # FR subtype / WH category family
    eo: int | None = None
    fr_number: str | None = None
    fr_published: date | None = None
    fr_pages: str = ""
    fr_query: str = "presidential"
    fr_type: str = "Presidential Document"
    fr_agencies: list[str] = field(default_factory=list)
    fr_abstract: str | None = None
    fr_correction_of: str | None = None
    wh_feed: str | None = None
    wh_posted: datetime | None = None
    wh_slug: str | None = None
    wh_categories: list[str] = field(default_factory=list)


def _order(paragraphs: list[str], signed: date, n_general: int) -> list[str]:
    general = [p.format(n=n_general) for p in GENERAL_PROVISIONS]
    return [IEEPA_AUTHORITY, *paragraphs, *general, f"THE WHITE HOUSE, {_long_date(signed)}."]


def _long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


FEB1, FEB3 = date(2025, 2, 1), date(2025, 2, 3)

ORDERS = [
    Doc(
        title="Imposing Duties To Address the Flow of Illicit Drugs Across Our Northern Border",
        eo=14193,
        signed=FEB1,
        fr_number="2025-02406",
        fr_published=date(2025, 2, 7),
        fr_pages="9113-9116",
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 2, 1, 22, 5, tzinfo=UTC),
        wh_slug="imposing-duties-to-address-the-flow-of-illicit-drugs-across-our-northern-border",
        wh_categories=["Presidential Actions", "Executive Orders"],
        paragraphs=_order(
            [
                "Section 1. Background. On January 20, 2025, I declared a national emergency with respect to "
                "the grave threat to the United States posed by illegal aliens and illicit drugs, including "
                "fentanyl. Drug trafficking organizations operate fentanyl and nitazene synthesis labs in "
                "Canada, and the Government of Canada has not done enough to arrest, seize, detain, or "
                "otherwise intercept these traffickers. I find that the failure of the Government of Canada "
                "to act is an unusual and extraordinary threat, and that an additional ad valorem duty on "
                "imports from Canada is necessary to deal with it.",
                "Sec. 2. Imposition of Duties. (a) All articles that are products of Canada as defined by the "
                "Federal Register notice described in subsection (e) of this section shall be, consistent "
                "with law, subject to an additional 25 percent ad valorem rate of duty. With respect to "
                "energy or energy resources, as defined in section 8(a) of Executive Order 14156 of January "
                "20, 2025 (Declaring a National Energy Emergency), and potash, the additional ad valorem rate "
                "of duty shall be 10 percent.",
                "(b) The duties in subsection (a) of this section apply to goods entered for consumption, or "
                "withdrawn from warehouse for consumption, on or after 12:01 a.m. eastern time on February 4, "
                "2025, except that goods loaded onto a vessel at the port of loading, or in transit on the "
                "final mode of transit, before 12:01 a.m. eastern time on February 1, 2025, and entered "
                "before 12:01 a.m. eastern time on March 1, 2025, shall not be subject to such additional "
                "duty.",
                "(c) The rates of duty in this section are in addition to any other duties, fees, exactions, "
                "and charges applicable to such imported articles.",
                "(d) Duty-free de minimis treatment under 19 U.S.C. 1321 shall not be available for the "
                "articles described in subsection (a) of this section.",
                "(e) The Secretary of Homeland Security shall publish a notice in the Federal Register "
                "modifying the Harmonized Tariff Schedule of the United States to implement this order.",
                "Sec. 3. Response to Retaliation. Should Canada retaliate against the United States in "
                "response to this action through import duties on United States exports or similar measures, "
                "I may increase or expand in scope the duties imposed under this order.",
                "Sec. 4. Monitoring. The Secretary of Homeland Security shall continue to monitor the "
                "situation at the northern border and inform me of any circumstances that would warrant "
                "further action. If the Government of Canada takes adequate steps to alleviate the crisis, "
                "the duties imposed under this order may be reduced or removed.",
            ],
            FEB1,
            5,
        ),
    ),
    Doc(
        title="Imposing Duties To Address the Situation at Our Southern Border",
        eo=14194,
        signed=FEB1,
        fr_number="2025-02407",
        fr_published=date(2025, 2, 7),
        fr_pages="9117-9120",
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 2, 1, 22, 6, tzinfo=UTC),
        wh_slug="imposing-duties-to-address-the-situation-at-our-southern-border",
        wh_categories=["Presidential Actions", "Executive Orders"],
        paragraphs=_order(
            [
                "Section 1. Background. The sustained influx of illicit opioids and other drugs across our "
                "southern border has profound consequences for our Nation. Mexican drug trafficking "
                "organizations are the world's largest producers of fentanyl, and the Government of Mexico "
                "has afforded them safe havens. I find that this failure is an unusual and extraordinary "
                "threat, and that an additional ad valorem duty on imports from Mexico is necessary to deal "
                "with it.",
                "Sec. 2. Imposition of Duties. (a) All articles that are products of Mexico as defined by the "
                "Federal Register notice described in subsection (d) of this section shall be, consistent "
                "with law, subject to an additional 25 percent ad valorem rate of duty.",
                "(b) The duties in subsection (a) of this section apply to goods entered for consumption, or "
                "withdrawn from warehouse for consumption, on or after 12:01 a.m. eastern time on February 4, "
                "2025.",
                "(c) Duty-free de minimis treatment under 19 U.S.C. 1321 shall not be available for the "
                "articles described in subsection (a) of this section.",
                "(d) The Secretary of Homeland Security shall publish a notice in the Federal Register "
                "modifying the Harmonized Tariff Schedule of the United States to implement this order.",
                "Sec. 3. Response to Retaliation. Should Mexico retaliate against the United States through "
                "import duties on United States exports, I may increase or expand in scope the duties "
                "imposed under this order.",
            ],
            FEB1,
            4,
        ),
    ),
    Doc(
        title="Imposing Duties To Address the Synthetic Opioid Supply Chain in the People's Republic of China",
        eo=14195,
        signed=FEB1,
        fr_number="2025-02408",
        fr_published=date(2025, 2, 7),
        fr_pages="9121-9124",
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 2, 1, 22, 7, tzinfo=UTC),
        wh_slug="imposing-duties-to-address-the-synthetic-opioid-supply-chain-in-the-peoples-republic-of-china",
        wh_categories=["Presidential Actions", "Executive Orders"],
        paragraphs=_order(
            [
                "Section 1. Background. The Chinese Communist Party has subsidized and otherwise incentivized "
                "companies in the People's Republic of China to export fentanyl precursor chemicals, and the "
                "Government of the People's Republic of China has failed to take the actions needed to stop "
                "this flow. I find that this failure is an unusual and extraordinary threat.",
                "Sec. 2. Imposition of Duties. (a) All articles that are products of the People's Republic of "
                "China (PRC) as defined by the Federal Register notice described in subsection (d) of this "
                "section shall be, consistent with law, subject to an additional 10 percent ad valorem rate "
                "of duty.",
                "(b) The duties in subsection (a) of this section apply to goods entered for consumption, or "
                "withdrawn from warehouse for consumption, on or after 12:01 a.m. eastern time on February 4, "
                "2025.",
                "(c) Duty-free de minimis treatment under 19 U.S.C. 1321 shall not be available for the "
                "articles described in subsection (a) of this section.",
                "(d) The Secretary of Homeland Security shall publish a notice in the Federal Register "
                "modifying the Harmonized Tariff Schedule of the United States to implement this order.",
                "Sec. 3. Response to Retaliation. Should the PRC retaliate against the United States in "
                "response to this action, I may increase or expand in scope the duties imposed under this "
                "order.",
            ],
            FEB1,
            4,
        ),
    ),
    Doc(
        title="Progress on the Situation at Our Northern Border",
        eo=14197,
        signed=FEB3,
        fr_number="2025-02478",
        fr_published=date(2025, 2, 10),
        fr_pages="9183-9184",
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 2, 3, 22, 40, tzinfo=UTC),
        wh_slug="progress-on-the-situation-at-our-northern-border",
        wh_categories=["Presidential Actions", "Executive Orders"],
        paragraphs=_order(
            [
                "Section 1. Background. In Executive Order 14193 of February 1, 2025 (Imposing Duties To "
                "Address the Flow of Illicit Drugs Across Our Northern Border), I imposed additional ad "
                "valorem duties on products of Canada to address the emergency at our northern border. Since "
                "then, the Government of Canada has committed to take immediate steps to strengthen the "
                "border and stop the flow of fentanyl into the United States. In light of those commitments, "
                "I have determined to pause the implementation of those duties while the steps are evaluated.",
                "Sec. 2. Pause of Duties. The additional ad valorem duties imposed by section 2 of Executive "
                "Order 14193 on products of Canada, including energy and potash, shall be paused until 12:01 "
                "a.m. eastern time on March 4, 2025.",
                "Sec. 3. Implementation. The Secretary of Homeland Security shall take all necessary action "
                "to implement this order, including by publishing any notice in the Federal Register that "
                "modifies the Harmonized Tariff Schedule of the United States.",
            ],
            FEB3,
            4,
        ),
    ),
    Doc(
        title="Progress on the Situation at Our Southern Border",
        eo=14198,
        signed=FEB3,
        fr_number="2025-02479",
        fr_published=date(2025, 2, 10),
        fr_pages="9185-9186",
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 2, 3, 17, 10, tzinfo=UTC),
        wh_slug="progress-on-the-situation-at-our-southern-border",
        wh_categories=["Presidential Actions", "Executive Orders"],
        paragraphs=_order(
            [
                "Section 1. Background. In Executive Order 14194 of February 1, 2025 (Imposing Duties To "
                "Address the Situation at Our Southern Border), I imposed additional ad valorem duties on "
                "products of Mexico. The Government of Mexico has since agreed to send 10,000 soldiers to the "
                "southern border to stop the flow of fentanyl and illegal migration into the United States.",
                "Sec. 2. Amendment. To pause the duties imposed on products of Mexico, section 2(b) of "
                'Executive Order 14194 is hereby amended by deleting "12:01 a.m. eastern time on February 4, '
                '2025" and inserting "12:01 a.m. eastern time on March 4, 2025" in its place.',
                "Sec. 3. Implementation. The Secretary of Homeland Security shall take all necessary action "
                "to implement this order, including by publishing any notice in the Federal Register that "
                "modifies the Harmonized Tariff Schedule of the United States.",
            ],
            FEB3,
            4,
        ),
    ),
]

INTENT = [
    Doc(
        title="Remarks by President Trump in Press Gaggle Aboard Air Force One",
        kind="Remarks",
        wh_feed="remarks",
        wh_posted=datetime(2025, 2, 9, 23, 30, tzinfo=UTC),
        wh_slug="remarks-by-president-trump-in-press-gaggle-aboard-air-force-one",
        wh_categories=["Remarks"],
        paragraphs=[
            "Aboard Air Force One, en route to New Orleans, Louisiana.",
            "THE PRESIDENT: Hello, everybody. We're having a big day tomorrow.",
            "Q: Mr. President, what are you going to announce on trade?",
            "THE PRESIDENT: We will be announcing on Monday 25 percent tariffs on all steel and aluminum "
            "coming into the United States.",
            "Q: Does that include Canada and Mexico?",
            "THE PRESIDENT: Everybody. It's steel and aluminum, everybody.",
            "Q: And reciprocal tariffs?",
            "THE PRESIDENT: We'll be announcing that on Tuesday or Wednesday. Very simply, if they charge us, "
            "we charge them.",
        ],
    ),
    Doc(
        title="Remarks by President Trump Before Signing Executive Orders at Mar-a-Lago",
        kind="Remarks",
        wh_feed="remarks",
        wh_posted=datetime(2025, 2, 18, 23, 15, tzinfo=UTC),
        wh_slug="remarks-by-president-trump-before-signing-executive-orders-at-mar-a-lago",
        wh_categories=["Remarks"],
        paragraphs=[
            "Mar-a-Lago, Palm Beach, Florida.",
            "Q: Mr. President, on autos, when do the tariffs come?",
            "THE PRESIDENT: Probably around April 2nd. We're going to be putting tariffs of 25 percent on "
            "cars, and the same on semiconductors and pharmaceuticals.",
            "Q: And will it go higher over the year?",
            "THE PRESIDENT: It'll go very substantially higher over the course of a year. We want to give "
            "them time to come in.",
        ],
    ),
    Doc(
        title="Fact Sheet: President Donald J. Trump Addresses the Threat to National Security from Imports of Copper",
        kind="Fact Sheet",
        wh_feed="fact-sheets",
        wh_posted=datetime(2025, 2, 25, 23, 0, tzinfo=UTC),
        wh_slug="fact-sheet-president-donald-j-trump-addresses-the-threat-to-national-security-from-imports-of-copper",
        wh_categories=["Fact Sheets"],
        paragraphs=[
            "PROTECTING AMERICA'S COPPER SUPPLY: Today, President Donald J. Trump signed an Executive Order "
            "directing the Secretary of Commerce to examine the national security risks of copper imports.",
            "Copper is essential to our national security, our economic security and our infrastructure.",
            "The Administration intends to put tariffs on copper imports to rebuild American production of "
            "this critical metal.",
            "The United States has ample copper reserves, yet our smelting and refining capacity lags "
            "behind that of global competitors.",
        ],
    ),
]

FACT_SHEET_FEB1 = Doc(
    title="Fact Sheet: President Donald J. Trump Imposes Tariffs on Imports from Canada, Mexico, and China",
    kind="Fact Sheet",
    wh_feed="fact-sheets",
    wh_posted=datetime(2025, 2, 1, 22, 30, tzinfo=UTC),
    wh_slug="fact-sheet-president-donald-j-trump-imposes-tariffs-on-imports-from-canada-mexico-and-china",
    wh_categories=["Fact Sheets"],
    paragraphs=[
        "HOLDING CANADA, MEXICO, AND CHINA ACCOUNTABLE: Today, President Donald J. Trump is implementing a 25 "
        "percent additional tariff on imports from Canada and Mexico and a 10 percent additional tariff on "
        "imports from China until such time as the illegal aliens and deadly drugs stop.",
        "Energy resources from Canada will have a lower 10 percent tariff.",
        "President Trump is taking bold action to hold Mexico, Canada, and China accountable to their "
        "promises of halting illegal immigration and stopping poisonous fentanyl and other drugs from "
        "flowing into our country.",
    ],
)

NEGATIVES = [
    Doc(
        title="America First Trade Policy",
        kind="Memorandum",
        signed=date(2025, 1, 20),
        fr_number="2025-90101",
        fr_published=date(2025, 1, 23),
        fr_pages="8455-8458",
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 1, 21, 2, 30, tzinfo=UTC),
        wh_slug="america-first-trade-policy",
        wh_categories=["Presidential Actions", "Presidential Memoranda"],
        paragraphs=[
            "MEMORANDUM FOR THE SECRETARY OF STATE, THE SECRETARY OF THE TREASURY, THE SECRETARY OF COMMERCE, "
            "THE UNITED STATES TRADE REPRESENTATIVE",
            "Section 1. Purpose. The United States will pursue a robust and reinvigorated trade policy that "
            "promotes investment and productivity, enhances our Nation's industrial and technological "
            "advantages, and strengthens our economic and national security.",
            "Sec. 2. Addressing Unfair and Unbalanced Trade. (a) The Secretary of Commerce shall investigate "
            "the causes of our country's large and persistent annual trade deficits in goods and recommend "
            "appropriate measures, such as a global supplemental tariff.",
            "(b) The Secretary of the Treasury shall assess the feasibility of establishing an External "
            "Revenue Service to collect tariffs, duties, and other foreign trade-related revenues.",
            "(c) The United States Trade Representative shall review the United States-Mexico-Canada "
            "Agreement in preparation for the July 2026 joint review and assess its impact on American "
            "workers, farmers, ranchers, service providers, and other businesses.",
            "Sec. 3. Economic and Trade Relations with the People's Republic of China. The United States "
            "Trade Representative shall review the Phase One Agreement and recommend appropriate action, "
            "which may include the imposition of tariffs, if China has not complied with it.",
            "THE WHITE HOUSE, January 20, 2025.",
        ],
    ),
    Doc(
        title="Restoring Names That Honor American Greatness",
        signed=date(2025, 1, 20),
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 1, 21, 2, 10, tzinfo=UTC),
        wh_slug="restoring-names-that-honor-american-greatness",
        wh_categories=["Presidential Actions", "Executive Orders"],
        paragraphs=[
            "By the authority vested in me as President by the Constitution and the laws of the United "
            "States of America, it is hereby ordered:",
            "Section 1. Purpose. The Gulf of Mexico has long been an indelible part of America. It has been "
            "a vital artery for early American trade and global commerce, and its fisheries and energy "
            "resources remain central to our economy.",
            "Sec. 2. Renaming. The area formerly known as the Gulf of Mexico shall be renamed the Gulf of "
            "America, and the Secretary of the Interior shall update the Geographic Names Information "
            "System to reflect the renaming.",
            "THE WHITE HOUSE, January 20, 2025.",
        ],
    ),
    Doc(
        title="Unleashing American Energy",
        signed=date(2025, 1, 20),
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 1, 21, 1, 50, tzinfo=UTC),
        wh_slug="unleashing-american-energy",
        wh_categories=["Presidential Actions", "Executive Orders"],
        paragraphs=[
            "By the authority vested in me as President by the Constitution and the laws of the United "
            "States of America, it is hereby ordered:",
            "Section 1. Purpose. America is blessed with an abundance of energy resources, and the "
            "production and export of those resources supports our trade balance and millions of jobs.",
            "Sec. 2. Policy. It is the policy of the United States to encourage energy exploration and "
            "production on Federal lands and waters, and to establish our position as the leading producer "
            "and processor of non-fuel minerals, including rare earth minerals.",
            "THE WHITE HOUSE, January 20, 2025.",
        ],
    ),
    Doc(
        title="Nominations Sent to the Senate",
        kind="Nominations",
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 1, 21, 3, 0, tzinfo=UTC),
        wh_slug="nominations-sent-to-the-senate",
        wh_categories=["Presidential Actions", "Nominations & Appointments"],
        paragraphs=[
            "NOMINATIONS SENT TO THE SENATE:",
            "Jamieson Greer, of Maryland, to be United States Trade Representative, with the rank of "
            "Ambassador Extraordinary and Plenipotentiary.",
            "Howard Lutnick, of New York, to be Secretary of Commerce.",
        ],
    ),
    Doc(
        title="Remarks by President Trump at the World Economic Forum",
        kind="Remarks",
        wh_feed="remarks",
        wh_posted=datetime(2025, 1, 23, 18, 30, tzinfo=UTC),
        wh_slug="remarks-by-president-trump-at-the-world-economic-forum",
        wh_categories=["Remarks"],
        paragraphs=[
            "Via videoconference, Davos, Switzerland.",
            "THE PRESIDENT: My message to every business in the world is very simple: come and make your "
            "product in America, and we will give you among the lowest taxes of any nation on Earth.",
            "But if you don't make your product in America, which is your prerogative, then you will pay a "
            "tariff, in differing amounts, which will direct hundreds of billions of dollars into our "
            "Treasury.",
        ],
    ),
    Doc(
        title="Statement from the Press Secretary",
        kind="Statement",
        wh_feed="briefings-statements",
        wh_posted=datetime(2025, 1, 27, 3, 30, tzinfo=UTC),
        wh_slug="statement-from-the-press-secretary-colombia",
        wh_categories=["Briefings & Statements"],
        paragraphs=[
            "The Government of Colombia has agreed to all of President Trump's terms, including the "
            "unrestricted acceptance of all illegal aliens from Colombia returned from the United States.",
            "Based on this agreement, the fully drafted IEEPA tariffs of 25 percent on all goods from "
            "Colombia will be held in reserve, and not signed, unless Colombia fails to honor this "
            "agreement.",
            "The visa sanctions and enhanced inspections will remain in effect until the first plane load "
            "of Colombian deportees is successfully returned.",
        ],
    ),
    Doc(
        title="A Plan for Establishing a United States Sovereign Wealth Fund",
        signed=FEB3,
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 2, 3, 23, 55, tzinfo=UTC),
        wh_slug="a-plan-for-establishing-a-united-states-sovereign-wealth-fund",
        wh_categories=["Presidential Actions", "Executive Orders"],
        paragraphs=[
            "By the authority vested in me as President by the Constitution and the laws of the United "
            "States of America, it is hereby ordered:",
            "Section 1. Purpose. A sovereign wealth fund would promote fiscal sustainability, lessen the "
            "burden of taxes on American families, and promote United States economic and strategic "
            "leadership, including in trade and finance.",
            "Sec. 2. Plan. Within 90 days of the date of this order, the Secretary of the Treasury and the "
            "Secretary of Commerce shall submit a plan for the establishment of a sovereign wealth fund, "
            "including recommendations on funding mechanisms and governance.",
            "THE WHITE HOUSE, February 3, 2025.",
        ],
    ),
    Doc(
        title="Reciprocal Trade and Tariffs",
        kind="Memorandum",
        signed=date(2025, 2, 13),
        fr_number="2025-90102",
        fr_published=date(2025, 2, 20),
        fr_pages="10685-10687",
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 2, 13, 21, 45, tzinfo=UTC),
        wh_slug="reciprocal-trade-and-tariffs",
        wh_categories=["Presidential Actions", "Presidential Memoranda"],
        paragraphs=[
            "MEMORANDUM FOR THE SECRETARY OF THE TREASURY, THE SECRETARY OF COMMERCE, THE UNITED STATES TRADE "
            "REPRESENTATIVE",
            "Section 1. Policy. It is the policy of the United States to reduce our large and persistent "
            "annual trade deficit in goods and to address other unfair and unbalanced aspects of our trade "
            "with foreign trading partners.",
            "Sec. 2. Fair and Reciprocal Plan. The Secretary of Commerce and the United States Trade "
            "Representative shall investigate the harm to the United States from non-reciprocal trade "
            "arrangements, including tariffs imposed by foreign trading partners on United States products, "
            "and shall propose remedies on a country-by-country basis.",
            "Sec. 3. Report. The Secretary of Commerce shall submit a report with the proposed remedies "
            "within 180 days of the date of this memorandum.",
            "THE WHITE HOUSE, February 13, 2025.",
        ],
    ),
    Doc(
        title="Addressing the Threat to National Security from Imports of Copper",
        signed=date(2025, 2, 25),
        wh_feed="presidential-actions",
        wh_posted=datetime(2025, 2, 25, 22, 45, tzinfo=UTC),
        wh_slug="addressing-the-threat-to-national-security-from-imports-of-copper",
        wh_categories=["Presidential Actions", "Executive Orders"],
        paragraphs=[
            "By the authority vested in me as President by the Constitution and the laws of the United "
            "States of America, including section 232 of the Trade Expansion Act of 1962, as amended (19 "
            "U.S.C. 1862), it is hereby ordered:",
            "Section 1. Background. Copper is a critical material for national security, economic security, "
            "and the infrastructure of the United States.",
            "Sec. 2. Investigation. The Secretary of Commerce shall initiate an investigation under section "
            "232 to determine the effects on the national security of imports of copper, and shall submit a "
            "report with recommendations, which may include tariffs, within 270 days of the date of this order.",
            "THE WHITE HOUSE, February 25, 2025.",
        ],
    ),
    Doc(
        title="2025 Special 301 Review: Identification of Countries Under Section 182 of the Trade Act of "
        "1974: Request for Public Comment",
        kind="Notice",
        fr_query="trade_notices",
        fr_type="Notice",
        fr_number="2024-90201",
        fr_published=date(2024, 12, 13),
        fr_pages="101002-101005",
        fr_agencies=["Trade Representative, Office of United States"],
        fr_abstract="USTR requests written comments that identify acts, policies, or practices of foreign "
        "countries that deny adequate and effective protection of intellectual property rights.",
        paragraphs=[
            "AGENCY: Office of the United States Trade Representative.",
            "ACTION: Notice; request for comments.",
            "SUMMARY: Section 182 of the Trade Act of 1974 (Special 301) requires USTR to identify countries "
            "that deny adequate and effective protection of intellectual property rights. USTR requests "
            "comments on trading partners, including China, India, and Vietnam, and on market access "
            "barriers such as tariffs on products that rely on intellectual property protection.",
            "DATES: Written comments are due by January 27, 2025.",
        ],
    ),
    Doc(
        title="Antidumping or Countervailing Duty Order, Finding, or Suspended Investigation; Opportunity "
        "To Request Administrative Review and Join Annual Inquiry Service List",
        kind="Notice",
        fr_query="trade_notices",
        fr_type="Notice",
        fr_number="2025-90202",
        fr_published=date(2025, 1, 2),
        fr_pages="15-19",
        fr_agencies=["Commerce Department", "International Trade Administration"],
        fr_abstract="Opportunity to request administrative reviews of antidumping and countervailing duty "
        "orders with January anniversary dates.",
        paragraphs=[
            "AGENCY: Enforcement and Compliance, International Trade Administration, Department of Commerce.",
            "ACTION: Notice.",
            "SUMMARY: Each year during the anniversary month of the publication of an antidumping or "
            "countervailing duty order, an interested party may request an administrative review.",
            "The following orders have January anniversary dates: Carbon and Alloy Steel Wire Rod from the "
            "People's Republic of China, A-570-012; Certain Steel Nails from Mexico, A-201-845; Aluminum "
            "Extrusions from the People's Republic of China, C-570-968, at a cash deposit rate of 33.28 "
            "percent, which shall be subject to review.",
        ],
    ),
    Doc(
        title="Trade Advisory Committee on Africa; Notice of Meeting",
        kind="Notice",
        fr_query="trade_notices",
        fr_type="Notice",
        fr_number="2025-90203",
        fr_published=date(2025, 2, 12),
        fr_pages="9650-9651",
        fr_agencies=["Trade Representative, Office of United States"],
        fr_abstract="The Trade Advisory Committee on Africa will hold a meeting to discuss tariff "
        "preferences under the African Growth and Opportunity Act.",
        paragraphs=[
            "AGENCY: Office of the United States Trade Representative.",
            "ACTION: Notice of meeting.",
            "SUMMARY: The Trade Advisory Committee on Africa will meet on March 5, 2025, to discuss trade "
            "with sub-Saharan Africa and tariff preferences under the African Growth and Opportunity Act.",
            "The meeting will be closed to the public.",
        ],
    ),
    Doc(
        title="Section 232 Inclusions Process for Steel and Aluminum Derivative Products; Opening of "
        "Inclusion Request Window",
        kind="Notice",
        fr_query="trade_notices",
        fr_type="Notice",
        fr_number="2025-90204",
        fr_published=date(2025, 1, 14),
        fr_pages="3101-3103",
        fr_agencies=["Commerce Department", "Industry and Security Bureau"],
        fr_abstract="BIS announces the opening of a window for requests to add derivative steel and "
        "aluminum articles to the products subject to Section 232 duties.",
        paragraphs=[
            "AGENCY: Bureau of Industry and Security, Commerce.",
            "ACTION: Notice of inclusion request window.",
            "SUMMARY: Interested parties may submit requests that additional derivative steel articles and "
            "derivative aluminum articles be made subject to the 25 percent and 10 percent duties under "
            "section 232 of the Trade Expansion Act of 1962.",
            "DATES: The window opens on January 14, 2025, and closes on January 28, 2025.",
        ],
    ),
    Doc(
        title="Notice of Product Exclusion Extensions: China's Acts, Policies, and Practices Related to "
        "Technology Transfer, Intellectual Property, and Innovation; Correction",
        kind="Notice",
        fr_query="trade_notices",
        fr_type="Notice",
        fr_number="2025-90205",
        fr_published=date(2025, 2, 24),
        fr_pages="10301",
        fr_agencies=["Trade Representative, Office of United States"],
        fr_correction_of=f"{FR_BASE}/documents/2024/11/29/2024-90299/notice-of-product-exclusion-extensions",
        paragraphs=[
            "In notice document 2024-90299 appearing on page 94802 in the issue of November 29, 2024, make "
            "the following correction: on page 94803, in the first column, the exclusions shall be extended "
            "through May 31, 2025, at a rate of 25 percent on products of China.",
        ],
    ),
]


# -- Federal Register ------------------------------------------------------------------------------


def _slug(title: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())


def _fr_html_url(doc: Doc) -> str:
    d = doc.fr_published
    assert d is not None
    return f"{FR_BASE}/documents/{d:%Y/%m/%d}/{doc.fr_number}/{_slug(doc.title)}"


def _fr_text_url(doc: Doc) -> str:
    d = doc.fr_published
    assert d is not None
    return f"{FR_BASE}/documents/full_text/text/{d:%Y/%m/%d}/{doc.fr_number}.txt"


def _fr_result(doc: Doc) -> dict[str, object]:
    return {
        "abstract": doc.fr_abstract,
        "correction_of": doc.fr_correction_of,
        "corrections": [],
        "document_number": doc.fr_number,
        "executive_order_number": doc.eo,
        "html_url": _fr_html_url(doc),
        "publication_date": doc.fr_published.isoformat() if doc.fr_published else None,
        "raw_text_url": _fr_text_url(doc),
        "signing_date": doc.signed.isoformat() if doc.signed and doc.fr_query == "presidential" else None,
        "subtype": doc.kind if doc.fr_type == "Presidential Document" else None,
        "title": doc.title,
        "type": doc.fr_type,
    }


def _wrap(paragraph: str) -> str:
    return textwrap.fill(paragraph, width=72, initial_indent="    ", subsequent_indent="")


def _fr_text(doc: Doc) -> str:
    d = doc.fr_published
    assert d is not None and doc.fr_number is not None
    first_page = doc.fr_pages.split("-")[0]
    head = [
        f"[Federal Register Volume {d.year - 1935} ({d:%A}, {_long_date(d)})]",
        "[Presidential Documents]" if doc.fr_type == "Presidential Document" else f"[{doc.fr_type}s]",
        f"[Pages {doc.fr_pages}]",
        f"[FR Doc No: {doc.fr_number}]",
        "",
    ]
    if doc.fr_type == "Presidential Document":
        label = f"Executive Order {doc.eo} of {_long_date(doc.signed)}" if doc.eo else doc.kind
        head += ["                        Presidential Documents", "", label, "", doc.title, ""]
    else:
        head += [doc.title, ""]
    body = [_wrap(p) for p in doc.paragraphs]
    if len(body) > 2:
        body.insert(2, f"[[Page {int(first_page) + 1}]]")
    filed = doc.fr_published - timedelta(days=1 if doc.fr_published.weekday() else 3)
    tail = ["", f"[FR Doc. {doc.fr_number} Filed {filed.month}-{filed.day}-{filed:%y}; 8:45 am]", ""]
    return "\n".join([*head, *"\n\n".join(body).split("\n"), *tail])


def _fr_pages(query: str, docs: list[Doc]) -> list[bytes]:
    pages = [docs[i : i + FR_PAGE_SIZE] for i in range(0, len(docs), FR_PAGE_SIZE)] or [[]]
    out = []
    for n, page in enumerate(pages, 1):
        next_url = f"{FR_BASE}/api/v1/documents.json?{NEXT_PAGE_QUERY[query]}&page={n + 1}" if n < len(pages) else None
        document = {
            "count": len(docs),
            "description": f"Documents matching the {query} query of the demo window",
            "total_pages": len(pages),
            "next_page_url": next_url,
            "results": [_fr_result(d) for d in page],
        }
        out.append((json.dumps(document, indent=2, sort_keys=True) + "\n").encode())
    return out


# -- White House -----------------------------------------------------------------------------------


def _wh_link(doc: Doc) -> str:
    assert doc.wh_posted is not None
    return f"{WH_BASE}/{doc.wh_feed}/{doc.wh_posted:%Y/%m}/{doc.wh_slug}/"


def _wh_item(doc: Doc) -> str:
    assert doc.wh_posted is not None
    content = "\n".join(f"<p>{escape(p)}</p>" for p in doc.paragraphs)
    summary = escape(doc.paragraphs[0][:200])
    categories = "".join(f"\n      <category><![CDATA[{c}]]></category>" for c in doc.wh_categories)
    return (
        "    <item>\n"
        f"      <title>{escape(doc.title).replace(chr(39), '&#8217;')}</title>\n"
        f"      <link>{_wh_link(doc)}</link>\n"
        f"      <pubDate>{format_datetime(doc.wh_posted)}</pubDate>\n"
        "      <dc:creator><![CDATA[The White House]]></dc:creator>"
        f"{categories}\n"
        f'      <guid isPermaLink="false">{_wh_link(doc)}</guid>\n'
        f"      <description><![CDATA[{summary}]]></description>\n"
        f"      <content:encoded><![CDATA[{content}]]></content:encoded>\n"
        "    </item>\n"
    )


def _wh_pages(feed: str, docs: list[Doc]) -> list[bytes]:
    docs = sorted(docs, key=lambda d: d.wh_posted or datetime.min.replace(tzinfo=UTC), reverse=True)
    pages = [docs[i : i + WH_PAGE_SIZE] for i in range(0, len(docs), WH_PAGE_SIZE)] or [[]]
    out = []
    for page in pages:
        built = max((d.wh_posted for d in page if d.wh_posted), default=RECORDED_AT)
        out.append(
            (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
                "  <channel>\n"
                f"    <title>{feed.replace('-', ' ').title()} – The White House</title>\n"
                f'    <atom:link href="{WH_BASE}/{feed}/feed/" rel="self" type="application/rss+xml" />\n'
                f"    <link>{WH_BASE}/{feed}/</link>\n"
                "    <description>The White House</description>\n"
                f"    <lastBuildDate>{format_datetime(built)}</lastBuildDate>\n"
                "    <language>en-US</language>\n" + "".join(_wh_item(d) for d in page) + "  </channel>\n</rss>\n"
            ).encode()
        )
    return out


# -- uncertainty indices ---------------------------------------------------------------------------


def _month_starts(first: date, last: date) -> list[date]:
    months, d = [], first
    while d <= last:
        months.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return months


def _tpu_monthly_level(month: date) -> float:
    """A synthetic TPU level with the published index's broad shape (quiet, 2018–19 trade war, 2025 spike)."""
    t = month.year + (month.month - 1) / 12
    level = 35.0
    level += 160.0 * math.exp(-(((t - 2019.4) / 0.7) ** 2))
    level += 40.0 * math.exp(-(((t - 2018.6) / 0.4) ** 2))
    if t >= 2024.8:
        level += 90.0 + 260.0 * (t - 2024.8) / 0.3
    return level


def _tpu_workbook(rng: random.Random) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    daily = workbook.active
    daily.title = "TPU_DAILY"
    daily.append(["DATE", "TPUD_index", "TPUD_index_MA7", "TPUD_index_MA30"])
    spikes = {
        date(2024, 11, 6): 140.0,
        date(2024, 11, 26): 260.0,
        date(2025, 1, 21): 180.0,
        date(2025, 1, 27): 150.0,
        date(2025, 2, 2): 520.0,
        date(2025, 2, 3): 610.0,
        date(2025, 2, 4): 430.0,
        date(2025, 2, 10): 380.0,
        date(2025, 2, 14): 300.0,
        date(2025, 2, 19): 260.0,
    }
    values: list[float] = []
    day = date(2024, 1, 1)
    while day <= date(2025, 2, 28):
        base = _tpu_monthly_level(day.replace(day=1))
        value = max(5.0, base * rng.lognormvariate(0.0, 0.35) + spikes.get(day, 0.0))
        values.append(round(value, 2))
        ma7 = sum(values[-7:]) / len(values[-7:])
        ma30 = sum(values[-30:]) / len(values[-30:])
        daily.append([datetime(day.year, day.month, day.day), values[-1], round(ma7, 2), round(ma30, 2)])
        day += timedelta(days=1)
    monthly = workbook.create_sheet("TPU_MONTHLY")
    monthly.append(["DATE", "TPU"])
    for month in _month_starts(date(2015, 1, 1), date(2025, 2, 1)):
        value = _tpu_monthly_level(month) * rng.lognormvariate(0.0, 0.12)
        monthly.append([datetime(month.year, month.month, 1), round(value, 2)])
    fixed = datetime(2025, 3, 10, 12, 0)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """Re-pack a workbook with fixed timestamps (openpyxl stamps `modified` at save) so it is byte-stable."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            member = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                member = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-03-10T12:00:00Z", member)
            target.writestr(fixed, member)
    return out.getvalue()


def _epu_json(rng: random.Random) -> bytes:
    stamp = RECORDED_AT.date().isoformat()
    observations = []
    for month in _month_starts(date(2015, 1, 1), date(2025, 2, 1)):
        t = month.year + (month.month - 1) / 12
        level = 60.0 + 420.0 * math.exp(-(((t - 2019.4) / 0.6) ** 2)) + 150.0 * math.exp(-(((t - 2018.5) / 0.3) ** 2))
        if t >= 2024.8:
            level += 250.0 + 700.0 * (t - 2024.8) / 0.3
        value = level * rng.lognormvariate(0.0, 0.25)
        observations.append(
            {"realtime_start": stamp, "realtime_end": stamp, "date": month.isoformat(), "value": f"{value:.4f}"}
        )
    observations[14]["value"] = "."  # FRED's marker for a missing value
    document = {
        "realtime_start": stamp,
        "realtime_end": stamp,
        "observation_start": "2015-01-01",
        "observation_end": "9999-12-31",
        "units": "lin",
        "output_type": 1,
        "file_type": "json",
        "order_by": "observation_date",
        "sort_order": "asc",
        "count": len(observations),
        "offset": 0,
        "limit": 100000,
        "observations": observations,
    }
    return (json.dumps(document, indent=2) + "\n").encode()


# -- READMEs ---------------------------------------------------------------------------------------

README_FR = """# federal_register — Federal Register API v1 recordings (demo, Dec 2024 – Feb 2025)

Layout (what the live source writes, and what replay reads):

- `documents/<query>/page-<NNN>.json` — one page of `GET /api/v1/documents.json`, exactly the API's
  JSON (`count`, `total_pages`, `next_page_url`, `results`), restricted by `fields[]` to
  document_number, executive_order_number, title, type, subtype, abstract, signing_date,
  publication_date, html_url, raw_text_url, correction_of, corrections. Queries: `presidential`
  (PRESDOCU executive orders, proclamations, memoranda) and `trade_notices` (USTR / ITA / BIS notices
  matching "tariff"). Pages follow `next_page_url` (the presidential query here has two pages).
- `full_text/<document_number>.txt` — the document's `raw_text_url` body.

Public facts: EO 14193 (document 2025-02406), EO 14194 (2025-02407), EO 14195 (2025-02408), all
signed 2025-02-01 and published 2025-02-07, duties effective 12:01 a.m. ET on 2025-02-04 at 25 %
(Canada; energy and potash 10 %), 25 % (Mexico) and 10 % (China) under IEEPA; EO 14197 (2025-02478)
and EO 14198 (2025-02479), signed 2025-02-03 and published 2025-02-10, pausing the Canada and
Mexico duties until 12:01 a.m. ET on 2025-03-04; their titles and first Federal Register pages
(90 FR 9113, 9117, 9121, 9183, 9185; the end pages are approximate).

Synthetic: the wording of every text (our own, abbreviated, in the structure of the real
documents); every other document number (the `9xxxx` range, which the Federal Register has not
used) and its page numbers; the 2025-01-23 and 2025-02-20 publication dates of the two memoranda;
the correction notice. The notices and memoranda are negatives: they mention trade, duties or
tariffs and must produce no tariff action. Regenerate with
`python -m regime_radar.demo.generate_tariffs`.
"""

README_WH = """# whitehouse_actions — White House RSS recordings (demo, Jan – Feb 2025)

Layout: `<feed>/page-<NNN>.xml`, one RSS 2.0 page of `https://www.whitehouse.gov/<feed>/feed/`
(page N > 1 is `?paged=N`), newest item first, exactly as WordPress serves it: `title`, `link`,
`pubDate`, `category`, `guid`, `description`, `content:encoded`. Feeds: `presidential-actions`
(two pages), `fact-sheets`, `remarks`, `briefings-statements`.

Public facts: the orders and their titles and signing dates (EO 14193–14195 on 2025-02-01,
EO 14197–14198 on 2025-02-03, the memoranda and orders of 2025-01-20, 2025-02-03, 2025-02-13 and
2025-02-25), the Colombia statement of 2025-01-26, the remarks of 2025-01-23 (Davos), 2025-02-09
(Air Force One: 25 % on steel and aluminum) and 2025-02-18 (25 % on cars, chips, pharmaceuticals).

Synthetic: every text is our own abbreviated wording (remarks paraphrased, not quoted); posting times
(`pubDate`); the copper fact sheet's sentence of intent. Each order is posted on its signing day,
before the 18:00 ET flag cutoff, days before its Federal Register publication. The negatives
(memoranda, renaming, energy, nominations, Davos remarks, Colombia statement, sovereign wealth fund,
copper investigation) mention trade or tariffs and must produce no tariff action.
"""

README_TPU = """# tpu — Caldara–Iacoviello trade policy uncertainty workbook (demo)

Layout: `tpu_web_latest.xlsx`, the authors' workbook format: sheet `TPU_DAILY` (DATE, TPUD_index,
TPUD_index_MA7, TPUD_index_MA30; 2024-01-01 – 2025-02-28) and sheet `TPU_MONTHLY` (DATE, TPU;
2015-01 – 2025-02). The source reads DATE and TPUD_index / TPU.

Synthetic: every value. They follow the published index's broad shape (quiet before 2018, the
2018–19 trade-war peak, a surge from November 2024 with spikes on the days of early-2025 tariff
news) so that a percentile of history means something, but they are not the published numbers.
Drop in the real workbook from https://www.matteoiacoviello.com/tpu.htm to replay real values.
"""

README_EPU = """# epu_trade — FRED EPUTRADE recording (demo)

Layout: `observations/EPUTRADE.json`, the body of FRED's
`GET /fred/series/observations?series_id=EPUTRADE&file_type=json` (monthly, 2015-01 – 2025-02;
`"."` marks a missing value, as FRED does). The API key is not part of a recording.

Synthetic: every value (shaped like the Baker–Bloom–Davis trade-policy index: the 2018–19 peak and a
surge from late 2024), not the published numbers.
"""


# -- writing ---------------------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _all_docs() -> Iterable[Doc]:
    yield from ORDERS
    yield from INTENT
    yield FACT_SHEET_FEB1
    yield from NEGATIVES


def generate(out: Path) -> list[Path]:
    """Write every tariff-feed payload and README under `out`; returns the files written."""
    written: list[Path] = []

    def put(rel: str, data: bytes) -> None:
        _write(out / rel, data)
        written.append(out / rel)

    docs = list(_all_docs())
    for query in ("presidential", "trade_notices"):
        chosen = sorted(
            (d for d in docs if d.fr_number and d.fr_query == query),
            key=lambda d: (d.fr_published, d.fr_number),
        )
        for n, page in enumerate(_fr_pages(query, chosen), 1):
            put(f"federal_register/documents/{query}/page-{n:03d}.json", page)
        for doc in chosen:
            if not doc.fr_correction_of:
                put(f"federal_register/full_text/{doc.fr_number}.txt", _fr_text(doc).encode())
    put("federal_register/README.md", README_FR.encode())

    feeds: dict[str, list[Doc]] = {}
    for doc in docs:
        if doc.wh_feed:
            feeds.setdefault(doc.wh_feed, []).append(doc)
    for feed, feed_docs in sorted(feeds.items()):
        for n, page in enumerate(_wh_pages(feed, feed_docs), 1):
            put(f"whitehouse_actions/{feed}/page-{n:03d}.xml", page)
    put("whitehouse_actions/README.md", README_WH.encode())

    rng = random.Random(SEED)
    put("tpu/tpu_web_latest.xlsx", _tpu_workbook(rng))
    put("tpu/README.md", README_TPU.encode())
    put("epu_trade/observations/EPUTRADE.json", _epu_json(rng))
    put("epu_trade/README.md", README_EPU.encode())
    return written


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEMO_REPLAY_DIR, help="replay directory to write into")
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
