"""Word lists the demo practice is built from. Written by the chartclaim team; the combinations are random, so
no record describes a real person. Street and city names are generic; ZIP codes are drawn from one made-up
metro area's real ZIP prefixes only so that address edits see plausible shapes."""

from __future__ import annotations

FEMALE_FIRST = (
    "Ada", "Alma", "Amara", "Anika", "Beatrix", "Bianca", "Camila", "Carmen", "Celia", "Dalia", "Delphine",
    "Edith", "Elena", "Elise", "Esther", "Farah", "Fiona", "Gemma", "Greta", "Hana", "Helena", "Ines", "Ingrid",
    "Iris", "Jada", "Jolene", "June", "Kalani", "Keiko", "Lena", "Lila", "Lorena", "Mabel", "Maren", "Marisol",
    "Mei", "Nadia", "Nell", "Noor", "Odette", "Opal", "Paloma", "Petra", "Priya", "Quinn", "Rhea", "Rosalind",
    "Ruth", "Sabine", "Selma", "Siobhan", "Talia", "Thea", "Una", "Vera", "Viola", "Wren", "Xiomara", "Yara",
    "Zelda", "Zora",
)
MALE_FIRST = (
    "Abel", "Adrian", "Alvin", "Amir", "Anton", "Arlo", "Bao", "Basil", "Bruno", "Caleb", "Cyrus", "Dante",
    "Desmond", "Elias", "Emeka", "Enzo", "Felix", "Gideon", "Gordon", "Hassan", "Hugo", "Idris", "Ivan", "Jasper",
    "Joaquin", "Jonah", "Kai", "Kenji", "Lars", "Leon", "Luca", "Malik", "Marco", "Milo", "Nikhil", "Nolan",
    "Omar", "Orion", "Pablo", "Quentin", "Rafael", "Reuben", "Rowan", "Santiago", "Silas", "Tariq", "Teodor",
    "Tobias", "Ulrich", "Victor", "Wallace", "Wes", "Xavier", "Yusuf", "Zane",
)
LAST = (
    "Abernathy", "Achterberg", "Adeyemi", "Albrecht", "Alcott", "Amundsen", "Arceneaux", "Ashdown", "Bakshi",
    "Baldacci", "Barrowman", "Beaulieu", "Bellweather", "Birchfield", "Blackwood", "Bramhall", "Castellanos",
    "Chakraborty", "Cheung", "Cortland", "Dalgaard", "Delacroix", "Dunmore", "Eastwick", "Ekwueme", "Ellery",
    "Fairbanks", "Falkenrath", "Fenwick", "Galloway", "Gauthier", "Greenhalgh", "Hadley", "Halvorsen",
    "Hargreave", "Holloway", "Ibarra", "Ishikawa", "Jablonski", "Jaramillo", "Kettering", "Kowalczyk",
    "Lachance", "Larkspur", "Lindqvist", "Llewellyn", "Maddox", "Marchetti", "Mbeki", "Montrose", "Nakagawa",
    "Nightingale", "Novak", "Okonkwo", "Oyelaran", "Pemberton", "Petrakis", "Quimby", "Radcliffe", "Rasmussen",
    "Ravensworth", "Saltonstall", "Sandoval", "Sorensen", "Stroud", "Szymanski", "Takahashi", "Thistlewood",
    "Trevino", "Underhill", "Valdivia", "Vanterpool", "Wainwright", "Whitcombe", "Wojcik", "Yamamoto",
    "Yarborough", "Zielinski", "Zuniga",
)
STREETS = (
    "Alder", "Aspen", "Birch", "Cedar", "Chestnut", "Cottonwood", "Dogwood", "Elm", "Hawthorn", "Hickory",
    "Juniper", "Laurel", "Linden", "Magnolia", "Maple", "Mulberry", "Oak", "Pine", "Poplar", "Redbud",
    "Sassafras", "Spruce", "Sycamore", "Tamarack", "Willow",
)
STREET_KINDS = ("St", "Ave", "Ln", "Ct", "Dr", "Way", "Rd", "Pl")
# (city, state, zip prefix): a fictional service area spread over real-looking Illinois ZIPs.
CITIES = (
    ("Springfield", "IL", "627"),
    ("Chatham", "IL", "626"),
    ("Rochester", "IL", "626"),
    ("Sherman", "IL", "626"),
    ("Petersburg", "IL", "626"),
    ("Jacksonville", "IL", "626"),
    ("Decatur", "IL", "625"),
)
EMPLOYERS = (
    "Prairie Logistics", "Sangamon Tool & Die", "Riverbend Schools", "Lincoln Regional Bank", "Capitol Printing",
    "Heartland Grain Co-op", "Meadowlark Hospitality", "Twin Oaks Construction",
)
