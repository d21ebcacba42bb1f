"""A tiny training script to try Kube ML Workbench with: right-click it and choose
"Run Training Job", or open a dev pod's terminal and run `python train.py` there."""
import math
import time

EPOCHS = 3
STEPS_PER_EPOCH = 20

for epoch in range(EPOCHS):
    for step in range(STEPS_PER_EPOCH):
        global_step = epoch * STEPS_PER_EPOCH + step
        loss = 2.5 * math.exp(-global_step / 25) + 0.1
        print({"loss": round(loss, 4), "learning_rate": 5e-5, "epoch": round(global_step / STEPS_PER_EPOCH, 2)}, flush=True)
        time.sleep(0.5)
print("training finished")
